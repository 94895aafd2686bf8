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
# Starts with the literal "sip" so that `re` scans fast; the SIP URI scheme is lower case.
_URI_PASSWORD = re.compile(r"sip(s?:[^:@\s;<>\"]++:)([^@\s;<>\"]++)(@)")
# SDES-SRTP master keys in SDP (a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:KEY|2^20|1:32).
_SRTP_KEY = re.compile(r"inline:([A-Za-z0-9+/]+={0,2})")
# A key is secret when its name ends with one of these (sipPassword, auth_pass, push_token...).
_SECRET_KEY = re.compile(
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|ha1b?|token|api[_-]?key|(?:obfuscation|encryption|private|secret)[_-]?key)$"
)
# key[:=]value in settings dumps, JSON and ini files. Possessive quantifiers and the word-start
# look-behind keep it linear (no backtracking into long words).
_KEY_VALUE = re.compile(
    r"(?<![\w.-])((?:--)?[\w.-]++)([\"']?[ \t]*+(?:=>|[:=])[ \t]*+)"
    r"(?=(\[REDACTED\]|\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'|[^\s,;&}\]\)\"']++))"
)
# pjsua's own config dump and command lines: --password VALUE
_CLI_PASSWORD = re.compile(r"(?<![\w-])(--(?:password|passwd|pass|pwd)[ \t]++)(\S++)")


# Every line-local secret has one of these (searched in the lower-cased text: each starts with
# a literal, so `re` scans fast); only the lines that do are searched with the patterns above,
# which have no literal prefix and would crawl over 200 MB.
_LINE_ANCHORS = tuple(
    re.compile(p)
    for p in (
        r"response[ \t]*[=:]",
        r"ha1b?[\"']?[ \t]*[=:]",
        r"bearer[ \t]",
        r"pass[\w.-]*[\"']?[ \t]*(?:=>|[=:]|[ \t]\S)",
        r"pwd[\"']?[ \t]*(?:=>|[=:]|[ \t]\S)",
        r"secret[\"']?[ \t]*(?:=>|[=:])",
        r"token[\"']?[ \t]*(?:=>|[=:])",
        r"key[\"']?[ \t]*(?:=>|[=:])",
    )
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
        if MASK in (scheme, rest.strip()):
            return value.strip(), 0
        return (f"{scheme} {MASK}" if rest else MASK), 1
    hidden = 0

    def param(m: re.Match[str]) -> str:
        nonlocal hidden
        if m.group(1).lower() in _SAFE_DIGEST_PARAMS or m.group(2).strip('"') == MASK:
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

    def uri(m: re.Match[str]) -> str:
        if m.group(2) == MASK:
            return m.group(0)
        bump("uri-password")
        return "sip" + m.group(1) + MASK + m.group(3)

    text = _URI_PASSWORD.sub(uri, text)
    if "inline:" in text:
        text = sub(_SRTP_KEY, "srtp-key", lambda m: "inline:" + MASK, text)
    return Redacted(text=_redact_lines(text, bump), counts=counts)


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    low = text.lower()
    starts: set[int] = set()
    for anchor in _LINE_ANCHORS:
        for m in anchor.finditer(low):
            starts.add(low.rfind("\n", 0, m.start()) + 1)
    spans = []
    for start in sorted(starts):
        end = text.find("\n", start)
        spans.append((start, len(text) if end < 0 else end))
    return spans


def _redact_lines(text: str, bump: Callable[[str], None]) -> str:
    def response(m: re.Match[str]) -> str:
        bump("digest-response")
        return f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}"

    def bearer(m: re.Match[str]) -> str:
        bump("token")
        return m.group(1) + MASK

    def key_values(line: str) -> str:
        # The value is in a look-ahead: a non-secret "Settings: sip_password=x" must not swallow
        # the secret pair after it, so values are replaced here, not by re.sub.
        pieces: list[str] = []
        done = 0
        for m in _KEY_VALUE.finditer(line):
            key, value = m.group(1), m.group(3)
            if m.start() < done or value == MASK or value.strip("\"'") in ("", MASK):
                continue
            lowered = key.lower()
            if not _SECRET_KEY.search(lowered):
                continue
            bump("password" if "pass" in lowered or "pwd" in lowered else "secret")
            quote = value[0] if value[0] in "\"'" else ""
            start, end = m.span(3)
            pieces += [line[done:start], quote, MASK, quote]
            done = end
        if not pieces:
            return line
        pieces.append(line[done:])
        return "".join(pieces)

    def cli(m: re.Match[str]) -> str:
        if m.group(2) == MASK:
            return m.group(0)
        bump("password")
        return m.group(1) + MASK

    out: list[str] = []
    done = 0
    for start, end in _candidate_lines(text):
        line = text[start:end]
        new = _DIGEST_RESPONSE.sub(response, line)
        new = _CLI_PASSWORD.sub(cli, key_values(_BEARER.sub(bearer, new)))
        if new != line:
            out.append(text[done:start])
            out.append(new)
            done = end
    if not out:
        return text
    out.append(text[done:])
    return "".join(out)
