"""HTTP digest authentication for SIP (RFC 3261 §22.4, RFC 2617; SHA-256 per RFC 8760).

Kamailio's ``auth_challenge`` offers ``algorithm=MD5, qop="auth"``; a server without qop gets
the RFC 2069 form. Passwords are passed in as plain ``str`` at the last moment and never
stored on objects that can be printed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from calltriage.sip.errors import SipParseError

_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*,?')


@dataclass(frozen=True, slots=True)
class Challenge:
    realm: str
    nonce: str
    algorithm: str = "MD5"
    qop: tuple[str, ...] = ()
    opaque: str | None = None
    stale: bool = False
    # 401 carries WWW-Authenticate (answer with Authorization); 407 carries
    # Proxy-Authenticate (answer with Proxy-Authorization).
    proxy: bool = False

    @property
    def answer_header(self) -> str:
        return "Proxy-Authorization" if self.proxy else "Authorization"


def parse_challenge(value: str, *, proxy: bool = False) -> Challenge:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipParseError(f"unsupported authentication scheme {scheme!r}")
    params: dict[str, str] = {}
    for m in _PARAM_RE.finditer(rest):
        val = m.group(2).strip()
        if val.startswith('"') and val.endswith('"') and len(val) >= 2:
            val = val[1:-1].replace('\\"', '"')
        params[m.group(1).lower()] = val
    if "nonce" not in params:
        raise SipParseError("digest challenge without nonce")
    qop = tuple(q.strip().lower() for q in params.get("qop", "").split(",") if q.strip())
    return Challenge(
        realm=params.get("realm", ""),
        nonce=params["nonce"],
        algorithm=params.get("algorithm", "MD5").upper(),
        qop=qop,
        opaque=params.get("opaque"),
        stale=params.get("stale", "").lower() == "true",
        proxy=proxy,
    )


def _h(algorithm: str, text: str) -> str:
    base = algorithm.removesuffix("-SESS")
    fn = _HASHES.get(base)
    if fn is None:
        raise SipParseError(f"unsupported digest algorithm {algorithm!r}")
    return fn(text.encode("utf-8")).hexdigest()


def digest_response(
    ch: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str,
    nc: int = 1,
) -> str:
    """The ``response=`` value (hex) for a challenge."""
    alg = ch.algorithm
    ha1 = _h(alg, f"{username}:{ch.realm}:{password}")
    if alg.endswith("-SESS"):
        ha1 = _h(alg, f"{ha1}:{ch.nonce}:{cnonce}")
    ha2 = _h(alg, f"{method}:{uri}")
    if "auth" in ch.qop:
        return _h(alg, f"{ha1}:{ch.nonce}:{nc:08x}:{cnonce}:auth:{ha2}")
    return _h(alg, f"{ha1}:{ch.nonce}:{ha2}")


def authorization(
    ch: Challenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str | None = None,
    nc: int = 1,
) -> str:
    """The value of the Authorization / Proxy-Authorization header answering ``ch``."""
    cnonce = cnonce or secrets.token_hex(8)
    resp = digest_response(ch, method=method, uri=uri, username=username, password=password, cnonce=cnonce, nc=nc)
    parts = [
        f'username="{username}"',
        f'realm="{ch.realm}"',
        f'nonce="{ch.nonce}"',
        f'uri="{uri}"',
        f'response="{resp}"',
        f"algorithm={ch.algorithm}",
    ]
    if "auth" in ch.qop:
        parts += ["qop=auth", f'cnonce="{cnonce}"', f"nc={nc:08x}"]
    if ch.opaque is not None:
        parts.append(f'opaque="{ch.opaque}"')
    return "Digest " + ", ".join(parts)
