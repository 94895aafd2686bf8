"""The secret formats, as patterns run on one line of the log (in any case).

``redact_line(line, bump)`` finds and replaces every secret in ``line`` itself: the patterns
match case-insensitively on the same string they cut from, so no case mapping can move a cut.
Each rewrite leaves ``[REDACTED]`` values alone, which makes redaction idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MASK = "[REDACTED]"
Bump = Callable[[str], None]

_SAFE_DIGEST_PARAMS = frozenset({"username", "realm", "nonce", "uri", "algorithm", "qop", "nc", "opaque"})
_COOKIE_ATTRIBUTES = frozenset({"path", "domain", "expires", "max-age", "samesite", "priority", "version",
                                "comment", "secure", "httponly"})

# Authorization / Proxy-Authorization (also quoted, as in JSON dumps of HTTP requests): the
# scheme is kept, the credentials are rewritten by _credentials.
# A value ends at the end of the line or where another such header starts on the same line.
_AUTH_HEADER = re.compile(
    r"""(uthorization(["']?)[ \t]*[:=][ \t]*(["']?))((?:(?!uthorization["']?[ \t]*[:=])[^\n])*)""", re.I)
_PARAM = re.compile(r'([\w-]+)[ \t]*=[ \t]*("(?:[^"\\\n]|\\.)*"?|[^,\s]*)')
_COOKIE_HEADER = re.compile(r"((?:set-)?cookie2?[ \t]*:[ \t]*)([^\n]*)", re.I)
_COOKIE_PAIR = re.compile(r'([^=;,\s]+)([ \t]*=[ \t]*)("[^"\n]*"|[^;,\s]*)')
_DIGEST_RESPONSE = re.compile(r'((?:response|ha1b?)[\"\']?[ \t]*[=:][ \t]*)("?)[0-9a-f]{16,}\2', re.I)
_BEARER = re.compile(r"(Bearer[ \t]+)([A-Za-z0-9\-._~+/]+=*)", re.I)
# user:password@ in a SIP URI (no path in SIP URIs, so '/' may be part of the password) and in
# any scheme://user:password@host URI (http, https, ws, ldap, mysql, ...).
_SIP_USERINFO = re.compile(r"""(sips?:[^:@\s;<>"'\[\]]++:)([^@\s;<>"']++)(@)""", re.I)
_URL_USERINFO = re.compile(r"""([a-z][\w+.-]*+://[^:@\s/;<>"'\[\]]++:)([^@\s;<>"'/]++)(@)""", re.I)
_SRTP_KEY = re.compile(r"(inline:)([A-Za-z0-9+/]+={0,2})", re.I)
# A key is secret when its name ends with one of these (sipPassword, auth_pass, push_token...).
_SECRET_KEY = re.compile(
    r"(?:pass(?:word|wd|phrase)?|pwd|secret|ha1b?|token|credentials?|cookie|api[_-]?key"
    r"|(?:obfuscation|encryption|private|secret|session)[_-]?key)$"
)
# An unquoted value: its words up to a delimiter, the end of the line or the next key (word= or
# --option); a passphrase keeps all its words. Possessive quantifiers keep it linear.
_WORD = r"(?:(?!\[REDACTED\])[^\s,;&}\]\)\"'<])++"
_WORDS = rf"{_WORD}(?:[ \t]++(?![\w.-]*+[ \t]*+(?:=>|[:=])|--){_WORD})*+"
# After a key that is not a --option, a word starting with "--" is still part of the value
# ("passphrase = a --b"); after "--password=" it starts the next option.
_PLAIN_WORDS = re.compile(rf"{_WORD}(?:[ \t]++(?![\w.-]*+[ \t]*+(?:=>|[:=])){_WORD})*+")
# key[:=]value in settings dumps, JSON, ini and properties files.
_KEY_VALUE = re.compile(
    r"(?<![\w.-])((?:--)?[\w.-]++)([\"']?[ \t]*+(?:=>|[:=])[ \t]*+)"
    rf"(?=(\[REDACTED\]|\"(?:[^\"\\\n]|\\.)*+\"|'[^'\n]*+'|{_WORDS}))"
)
# <password>VALUE</password> and Android shared preferences: <string name="sip_password">VALUE</string>
_XML_ELEMENT = re.compile(r"<([\w:.-]++)([^<>/]*+)>([^<]*+)</")
_XML_NAME = re.compile(r"""\bname[ \t]*=[ \t]*["']([^"']*)["']""", re.I)
# pjsua's own config dump and command lines: --password VALUE (quoted: several words)
_CLI_PASSWORD = re.compile(
    r"""(--(?:password|passwd|pass|pwd|passphrase)[ \t]++)((?:"[^"\n]*+"|'[^'\n]*+')\S*+|\S++)""", re.I)


def _done(value: str) -> bool:
    """Nothing to hide: empty, or already redacted (also when text was glued after the mask)."""
    value = value.strip().strip("\"'")
    return not value or value.startswith(MASK)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key.lower()))


def _credentials(value: str) -> tuple[str, int]:
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


def _header(m: re.Match[str], bump: Bump) -> str:
    prefix, quote, value = m.group(1), m.group(3), m.group(4)
    tail = ""
    if quote and quote in value:  # "Authorization": "Basic abc", ... : only up to the closing quote
        value, tail = value[:value.index(quote)], value[value.index(quote):]
    new, hidden = _credentials(value)
    if hidden:
        bump("authorization")
    return prefix + new + tail


def _cookies(m: re.Match[str], bump: Bump) -> str:
    def pair(p: re.Match[str]) -> str:
        if p.group(1).lower() in _COOKIE_ATTRIBUTES or _done(p.group(3)):
            return p.group(0)
        bump("cookie")
        return p.group(1) + p.group(2) + MASK

    return m.group(1) + _COOKIE_PAIR.sub(pair, m.group(2))


def _key_values(line: str, bump: Bump) -> str:
    # The value is in a look-ahead: a non-secret "Settings: sip_password=x" must not swallow the
    # secret pair after it, so values are replaced here, not by re.sub. An unquoted value of
    # several words also ends where the next key starts ("password=two words >passphrase = ...").
    pieces: list[str] = []
    done = 0
    matches = list(_KEY_VALUE.finditer(line))
    for i, m in enumerate(matches):
        key, value = m.group(1), m.group(3)
        if m.start() < done or _done(value) or not is_secret_key(key):
            continue
        lowered = key.lower()
        quote = value[0] if value[0] in "\"'" else ""
        if lowered.endswith("cookie") and not quote:
            continue  # a Cookie: header, its values are rewritten pair by pair
        start, end = m.span(3)
        if not quote and not key.startswith("--"):
            plain = _PLAIN_WORDS.match(line, start)
            end = plain.end() if plain else end
        following = matches[i + 1].start() if i + 1 < len(matches) else end
        if not quote and following < end and any(c.isspace() for c in line[start:following]):
            end = start + len(line[start:following].rstrip())
        bump("password" if "pass" in lowered or "pwd" in lowered else "secret")
        pieces += [line[done:start], quote, MASK, quote]
        done = end
    if not pieces:
        return line
    pieces.append(line[done:])
    return "".join(pieces)


def _xml(m: re.Match[str], bump: Bump) -> str:
    tag, attrs, content = m.group(1), m.group(2), m.group(3)
    name = _XML_NAME.search(attrs)
    key = name.group(1) if name else tag
    if _done(content) or not is_secret_key(key):
        return m.group(0)
    bump("password" if "pass" in key.lower() or "pwd" in key.lower() else "secret")
    return f"<{tag}{attrs}>{MASK}</"


def _masking(kind: str, bump: Bump, *, keep_last: bool = False) -> Callable[[re.Match[str]], str]:
    def repl(m: re.Match[str]) -> str:
        if _done(m.group(2)):
            return m.group(0)
        bump(kind)
        return m.group(1) + MASK + (m.group(3) if keep_last else "")
    return repl


def redact_line(line: str, bump: Bump, words: bytes | None = None) -> str:
    """``line`` with every secret it holds replaced by ``[REDACTED]``.

    ``words`` is the line ASCII-folded (``redact._fold``): a rule whose key word is not in it
    cannot match and is skipped (the key words are ASCII; the rules match in any case).
    """
    low = line.encode("ascii", "replace").lower() if words is None else words
    if b"</" in low:
        line = _XML_ELEMENT.sub(lambda m: _xml(m, bump), line)
    if b"--" in low:
        line = _CLI_PASSWORD.sub(_masking("password", bump), line)
    line = _key_values(line, bump)
    if b"uthorization" in low:
        line = _AUTH_HEADER.sub(lambda m: _header(m, bump), line)
    if b"cookie" in low:
        line = _COOKIE_HEADER.sub(lambda m: _cookies(m, bump), line)
    if b"sip" in low:
        line = _SIP_USERINFO.sub(_masking("uri-password", bump, keep_last=True), line)
    if b"://" in low:
        line = _URL_USERINFO.sub(_masking("uri-password", bump, keep_last=True), line)

    def response(m: re.Match[str]) -> str:
        bump("digest-response")
        return f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}"

    if b"response" in low or b"ha1" in low:
        line = _DIGEST_RESPONSE.sub(response, line)
    if b"bearer" in low:
        line = _BEARER.sub(_masking("token", bump), line)
    if b"inline:" in low:
        line = _SRTP_KEY.sub(_masking("srtp-key", bump), line)
    return line
