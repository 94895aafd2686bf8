"""Consistent pseudonyms for the people and machines in a dossier sent outside the team.

A dossier for the vendor (level 3) must not carry who called whom: usernames, phone numbers,
display names and IP addresses are replaced by tokens (``user-1``, ``+XX-0001``, ``name-1``,
``ip-1``). One ``Pseudonymizer`` serves one dossier, so the same input always gets the same
token inside it and a reader can still follow "user-1 calls user-2 from ip-3".

It works in two passes over the whole document: ``learn`` finds identifiers everywhere (SIP and
tel URIs, ``username="…"`` in digest headers, E.164 numbers, IPv4/IPv6 addresses, values of
identity fields such as ``account`` or ``number`` in probe evidence), then ``apply`` replaces
every occurrence of every learned identifier in every string, also where it appears bare (a
username learned from ``sip:bob@…`` in a log line is also hidden in a note saying "bob").
Replacing too much is preferred to leaking: a username that is also a common word is replaced
in free text too. Playbook vocabulary (node ids, outcomes, prompts) is left alone by the caller.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable
from typing import Any

# "sip:alice@host", "sips:+15550001@host", "sip:alice:[REDACTED]@host" (user part only: a URI
# without "@", such as "REGISTER sip:lab.test", names a domain, not a person).
_SIP_USER = re.compile(r"\bsips?:(?P<user>[^@;:>\s\"',/]+)(?::[^@\s]*)?@", re.I)
# An address of record without a scheme, as PJSIP writes it: "Authorization failed for alice@lab.test".
_AOR = re.compile(r"(?<![\w.+-])(?P<user>[\w.+-]{1,64})@[\w-]+(?:\.[\w-]+)+")
_TEL = re.compile(r"\btel:(?P<user>\+?[\d\-.()]{4,30})", re.I)
_DIGEST_USER = re.compile(r"\busername\s*=\s*\"?(?P<user>[^\",\s]+)", re.I)
_DISPLAY = re.compile(r"\"(?P<name>[^\"<>\n]{1,80})\"\s*<(?:sips?|tel):", re.I)
_PHONE = re.compile(r"(?<![\w+])\+\d{6,15}(?!\d)")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\d.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])",
                   re.I)
_USERNAME = re.compile(r"^[\w.+-]{1,64}$")
_DIGITS = re.compile(r"^\+?\d{4,15}$")
# Evidence fields that hold an account, a number or a person (probes/*: "account", "typed",
# "src_user"...). "user_agent" is software, not a person.
_IDENTITY_KEY = re.compile(
    r"user|account|caller|callee|aor|alias|number|owner|typed|target|display|msisdn|from|to$")
_NOT_IDENTITY_KEY = re.compile(r"user_?agent|^users?_count|_count$")


class Pseudonymizer:
    """Maps identifiers to tokens; ``learn`` everything first, then ``apply`` to each string."""

    def __init__(self) -> None:
        self._tokens: dict[str, str] = {}  # normalised identifier -> token
        self._spellings: dict[str, str] = {}  # every spelling seen (lower-case) -> token
        self._counters = {"user": 0, "phone": 0, "ip": 0, "name": 0}
        self._pattern: re.Pattern[str] | None = None

    # -- learning ------------------------------------------------------------------------
    def add_party(self, ident: str) -> None:
        """A caller/callee as typed by the operator: a number, a username or user@domain."""
        ident = ident.strip()
        if ident.lower().startswith(("sip:", "sips:", "tel:")):
            self.learn_text(ident)
        elif _DIGITS.match(ident):
            self._add("phone", ident)
        elif "@" in ident:
            self._add_user(ident.split("@", 1)[0])
        elif ident:
            self._add_user(ident)

    def learn_text(self, text: str) -> None:
        for m in _DISPLAY.finditer(text):
            self._add("name", m.group("name").strip())
        for m in _SIP_USER.finditer(text):
            self._add_user(m.group("user"))
        if "@" in text:
            for m in _AOR.finditer(text):
                self._add_user(m.group("user"))
        for m in _TEL.finditer(text):
            self._add("phone", m.group("user"))
        for m in _DIGEST_USER.finditer(text):
            self._add_user(m.group("user"))
        for m in _PHONE.finditer(text):
            self._add("phone", m.group(0))
        for m in _IPV4.finditer(text):
            self._add("ip", m.group(0))
        if text.count(":") >= 2:
            for m in _IPV6.finditer(text):
                if _is_ipv6(m.group(0)):
                    self._add("ip", m.group(0))

    def learn(self, value: Any, *, skip: Collection[str] = (), free: Collection[str] = (),
              key: str = "") -> None:
        """Learn from every string in a JSON-like value (dict keys included).

        Values under a ``skip`` key are left out (playbook vocabulary); below a ``free`` key
        nothing is skipped any more (probe evidence may well have a "status" that names a host).
        """
        if isinstance(value, str):
            self.learn_text(value)
            if key and _IDENTITY_KEY.search(key.lower()) and not _NOT_IDENTITY_KEY.search(key.lower()):
                self._learn_identity(key.lower(), value)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k in skip:
                    continue
                self.learn_text(str(k))
                inner = () if k in free else skip
                self.learn(v, skip=inner, free=free, key=str(k))
        elif isinstance(value, list | tuple):
            for item in value:
                self.learn(item, skip=skip, free=free, key=key)

    def _learn_identity(self, key: str, value: str) -> None:
        value = value.strip()
        if not value or len(value) > 200:
            return
        if "display" in key:
            self._add("name", value)
        elif _DIGITS.match(value):
            self._add("phone", value)
        elif "@" in value and " " not in value:
            self._add_user(value.split("@", 1)[0].removeprefix("sip:").removeprefix("sips:"))
        elif _USERNAME.match(value) and not _is_ip(value):
            self._add_user(value)

    def _add_user(self, user: str) -> None:
        user = user.strip()
        if not user or user.startswith("[") or _is_ip(user):
            return
        self._add("phone" if _DIGITS.match(user) else "user", user)

    def _add(self, kind: str, ident: str) -> None:
        ident = ident.strip()
        key = _normal(kind, ident)
        if not key:
            return
        token = self._tokens.get(key)
        if token is None:
            self._counters[kind] += 1
            n = self._counters[kind]
            token = self._tokens[key] = f"+XX-{n:04d}" if kind == "phone" else f"{kind}-{n}"
        spellings = [ident]
        if kind == "phone":
            digits = key.removeprefix("phone:")
            # The same number appears as +39…, 0039… and 39… in logs, evidence and notes.
            spellings = [ident, f"+{digits}", f"00{digits}", digits]
        elif kind == "ip":
            spellings = [ident, key.removeprefix("ip:")]
        for spelling in spellings:
            if spelling.lower() not in self._spellings:
                self._spellings[spelling.lower()] = token
                self._pattern = None

    # -- applying ------------------------------------------------------------------------
    @property
    def mapping_size(self) -> int:
        return len(self._tokens)

    def token(self, ident: str) -> str | None:
        for kind in ("phone", "ip", "user", "name"):
            found = self._tokens.get(_normal(kind, ident))
            if found:
                return found
        return None

    def apply_text(self, text: str) -> str:
        if not self._tokens or not text:
            return text
        if self._pattern is None:
            self._pattern = _literal_pattern(self._spellings)
        spellings = self._spellings
        return self._pattern.sub(lambda m: spellings[m.group(0).lower()], text)

    def apply(self, value: Any, *, skip: Collection[str] = (), free: Collection[str] = ()) -> Any:
        """A copy of ``value`` with every learned identifier replaced (``skip``/``free`` as in ``learn``)."""
        if isinstance(value, str):
            return self.apply_text(value)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k in skip:
                    out[k] = v
                else:
                    out[self.apply_text(str(k))] = self.apply(v, skip=() if k in free else skip, free=free)
            return out
        if isinstance(value, list | tuple):
            return [self.apply(v, skip=skip, free=free) for v in value]
        return value


def _normal(kind: str, ident: str) -> str:
    ident = ident.strip()
    if kind == "phone":
        digits = re.sub(r"[^\d]", "", ident)
        return f"phone:{digits}" if len(digits) >= 4 else ""
    if kind == "ip":
        try:
            return f"ip:{ipaddress.ip_address(ident)}".lower()
        except ValueError:
            return f"ip:{ident.lower()}"
    return f"{kind}:{ident.lower()}" if ident else ""


def _literal_pattern(variants: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so "10.0.0.10" wins over "10.0.0.1" and "alice.smith" over "alice".
    alts = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    # Bounded by anything but a letter or digit ("alice-app.log", "alice_2" hide alice too; "malice"
    # does not), and an address must not continue as a longer one ("10.0.0.1" inside "10.0.0.10").
    return re.compile(rf"(?<![^\W_])(?<!\+)(?:{alts})(?![^\W_])(?!\.\d)", re.I)


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _is_ipv6(value: str) -> bool:
    if "::" not in value and value.count(":") != 7:
        return False  # "10:00:00" is a time, not an address
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True
