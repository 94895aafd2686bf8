"""Remove secrets from client log text before anything is stored.

What counts as a secret in a SIP client log (every format has a case in
``tests/clientlog/test_redact_corpus.py``):

* ``Authorization`` / ``Proxy-Authorization`` headers in any case: digest ``response``,
  ``cnonce`` and any parameter we do not know to be harmless; Basic, Bearer and other
  credentials whole. ``username``, ``realm``, ``nonce``, ``uri``, ``algorithm``, ``qop``, ``nc``
  and ``opaque`` stay: the desk needs to see which account tried, and none derives from the password.
* ``Cookie`` / ``Set-Cookie`` values; ``response="..."`` and ``ha1``/``ha1b`` values anywhere;
  ``Bearer`` tokens; SDES-SRTP ``inline:`` keys.
* Password-like settings: ``password=``, ``"sipPassword": "..."``, ``pwd:``, ini and properties
  lines, XML elements and Android shared preferences (``<string name="sip_password">``),
  ``--password VALUE``, secrets, tokens, API and obfuscation keys; every word of a passphrase.
* The password in a URI: ``sip:alice:pw@host``, ``SIPS:…``, ``https://user:pw@host``.
* PEM private-key blocks (an app that dumps its TLS config), also when the log cuts them off.

How the lines are found without drifting: every line-local secret has a key word (``pass``,
``uthorization``, ``sip…:…@``, ...). The key words are searched in an ASCII-folded copy of the
text in which every character is exactly one byte (non-ASCII characters become ``?``), so an
offset there is the same offset in the text; a case mapping that changes the length
(``"İ".lower()`` is two characters) cannot occur. Only the lines found are then searched with
the case-insensitive patterns of ``redact_rules``, on the text's own line, and cut there.

Redaction is deterministic (same input, same output), replaces values with ``[REDACTED]`` and
reports counts per kind, never the values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from calltriage.clientlog.redact_rules import MASK, redact_line

__all__ = ["MASK", "Redacted", "redact"]

_PRIVATE_KEY = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
)
# Searched in the folded bytes: each starts with a literal, so `re` scans at GB/s; the patterns
# of redact_rules have no literal prefix and would crawl over 200 MB.
_KEY_WORDS = tuple(
    re.compile(p)
    for p in (
        rb"response[\"']?[ \t]*[=:]",
        rb"ha1",
        rb"bearer[ \t]",
        rb"pass",
        rb"pwd",
        rb"secret",
        rb"token",
        rb"key",
        rb"credential",
        rb"uthorization",
        rb"cookie",
        rb"inline:",
        rb"sips?:[^:@\s;<>\"'\[\]]++:[^@\s;<>\"']++@",
        rb"://[^:@\s/;<>\"'\[\]]++:[^@\s;<>\"'/]++@",
    )
)


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _fold(text: str) -> bytes:
    """One byte per character of ``text``: ASCII lower-cased, anything else ``?``."""
    folded = text.encode("ascii", "replace").lower()
    if len(folded) != len(text):  # cannot happen: 'replace' writes one '?' per character
        raise AssertionError("redaction: folded text does not line up with the text")
    return folded


def redact(text: str) -> Redacted:
    """Return ``text`` with every secret replaced by ``[REDACTED]``, plus counts per kind."""
    counts: dict[str, int] = {}

    def bump(kind: str) -> None:
        counts[kind] = counts.get(kind, 0) + 1

    if "PRIVATE KEY-----" in text:
        def block(m: re.Match[str]) -> str:
            bump("private-key")
            return f"-----BEGIN {m.group(1)}PRIVATE KEY----- {MASK} -----END {m.group(1)}PRIVATE KEY-----"
        text = _PRIVATE_KEY.sub(block, text)

    out: list[str] = []
    done = 0
    folded = _fold(text)
    for start, end in _candidate_lines(text, folded):
        line = text[start:end]
        new = redact_line(line, bump, folded[start:end])
        if new != line:
            out += [text[done:start], new]
            done = end
    if out:
        out.append(text[done:])
        text = "".join(out)
    return Redacted(text=text, counts=counts)


def _candidate_lines(text: str, folded: bytes) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` that holds a key word, in order."""
    starts: set[int] = set()
    for word in _KEY_WORDS:
        for m in word.finditer(folded):
            starts.add(folded.rfind(b"\n", 0, m.start()) + 1)
    spans = []
    for start in sorted(starts):
        end = text.find("\n", start)
        spans.append((start, len(text) if end < 0 else end))
    return spans
