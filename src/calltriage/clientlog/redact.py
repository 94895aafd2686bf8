"""Remove secrets from client log text before anything is stored.

What counts as a secret in a SIP client log:

* ``Authorization`` / ``Proxy-Authorization`` headers: digest ``response``, ``cnonce`` and any
  parameter we do not know to be harmless; Basic and Bearer credentials whole. ``username``,
  ``realm``, ``nonce``, ``uri``, ``algorithm``, ``qop``, ``nc`` and ``opaque`` stay: the desk needs
  to see which account tried, and none of them derives from the password.
* ``response="..."`` anywhere else (PJSIP debug lines, app dumps), ``ha1``/``ha1b`` values.
* Password-like settings in app dumps: ``password=``, ``"sipPassword": "..."``, ``pwd:``,
  ``--password VALUE`` (pjsua's own config dump), ``secret``, tokens, API and obfuscation keys.
* A password inside a SIP URI (``sip:alice:pw@host``).
* PEM private-key blocks (an app that dumps its TLS config), also when the log cuts them off.

Redaction is deterministic (same input, same output), replaces values with ``[REDACTED]`` and
reports counts per kind, never the values.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

MASK = "[REDACTED]"

_SAFE_DIGEST_PARAMS = frozenset({"username", "realm", "nonce", "uri", "algorithm", "qop", "nc", "opaque"})

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
)
# Header line up to its end; the scheme is kept, the credentials are rewritten below. Matching
# from "uthorization" (literal) keeps the scan fast and covers Proxy-/lower-case spellings.
_AUTH_HEADER = re.compile(r"(uthorization[ \t]*:[ \t]*)([^\n]*)")
_PARAM = re.compile(r'([\w-]+)[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"?|[^,\s]*)')
_DIGEST_RESPONSE = re.compile(r'(\b(?:response|ha1b?)[ \t]*[=:][ \t]*)("?)[0-9a-fA-F]{16,}\2', re.I)
_BEARER = re.compile(r"(\bBearer[ \t]+)[A-Za-z0-9\-._~+/]+=*")
_URI_PASSWORD = re.compile(r"(\bsips?:[^:@\s;<>\"]+:)([^@\s;<>\"]+)(@)")
_KEYS = (
    r"pass(?:word|wd|phrase)?|pwd|secret|ha1b?"
    r"|(?:access|refresh|auth|api|push|device|session|id)?[_-]?token"
    r"|api[_-]?key|(?:obfuscation|encryption|private|secret)[_-]?key"
)
# key[:=]value in settings dumps, JSON, ini files and command lines (`--password VALUE`).
_KEY_VALUE = re.compile(
    r"(?<![\w-])((?:--)?[A-Za-z0-9]*[_.-]?(?i:" + _KEYS + r")[\"']?"
    r"(?:[ \t]*(?:=>|[:=])[ \t]*|(?<=--password)[ \t]+|(?<=--passwd)[ \t]+))"
    r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*'|[^\s,;&}\]\)\"']+)"
)


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _rewrite_credentials(value: str) -> tuple[str, int]:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        # Basic/Bearer/unknown schemes: the whole credential is the secret.
        return (f"{scheme} {MASK}" if rest else MASK), 1
    hidden = 0

    def param(m: re.Match[str]) -> str:
        nonlocal hidden
        if m.group(1).lower() in _SAFE_DIGEST_PARAMS:
            return m.group(0)
        hidden += 1
        quoted = m.group(2).startswith('"')
        return f'{m.group(1)}="{MASK}"' if quoted else f"{m.group(1)}={MASK}"

    return f"{scheme} {_PARAM.sub(param, rest)}", hidden


def redact(text: str) -> Redacted:
    """Return ``text`` with every secret replaced by ``[REDACTED]``, plus counts per kind."""
    counts: dict[str, int] = {}

    def bump(kind: str, n: int = 1) -> None:
        if n:
            counts[kind] = counts.get(kind, 0) + n

    def sub(rx: re.Pattern[str], kind: str, repl: Callable[[re.Match[str]], str], s: str) -> str:
        out, n = rx.subn(repl, s)
        bump(kind, n)
        return out

    if "PRIVATE KEY-----" in text:
        text = sub(_PRIVATE_KEY, "private-key",
                   lambda m: f"-----BEGIN {m.group(1)}PRIVATE KEY----- {MASK} -----END {m.group(1)}PRIVATE KEY-----",
                   text)

    def header(m: re.Match[str]) -> str:
        new, hidden = _rewrite_credentials(m.group(2))
        bump("authorization", 1 if hidden else 0)
        return m.group(1) + new

    text = _AUTH_HEADER.sub(header, text)
    text = sub(_DIGEST_RESPONSE, "digest-response", lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    text = sub(_BEARER, "token", lambda m: m.group(1) + MASK, text)
    text = sub(_URI_PASSWORD, "uri-password", lambda m: m.group(1) + MASK + m.group(3), text)

    def key_value(m: re.Match[str]) -> str:
        value = m.group(2)
        if value.strip("\"'") in ("", MASK) or value.startswith(f'"{MASK}'):
            return m.group(0)
        bump("password" if "pass" in m.group(1).lower() or "pwd" in m.group(1).lower() else "secret")
        quote = value[0] if value[0] in "\"'" else ""
        return f"{m.group(1)}{quote}{MASK}{quote}"

    text = _KEY_VALUE.sub(key_value, text)
    return Redacted(text=text, counts=counts)
