"""Find notable non-SIP lines (TLS and transport errors, rejected credentials, failed
registrations, crashes and exceptions) without looping over every line in Python.

CPython's ``re`` is fast only for patterns that start with a literal; an alternation of words
is 10-20x slower per byte (measured on this project's dev box, docs/clientlog.md), and every literal costs one
pass over the text (~0.1 s per 200 MB). So the scan runs one literal search per *anchor*, a
word fragment that the lines we care about contain, takes the few lines that contain one and
classifies each with the ordered ``RULES`` below (first match wins). Every rule names an
example line; a test checks that it contains an anchor and gets the rule's classification.

Anchors, and why these three are enough:

* ``rror``: error/Error/ERROR. Every PJSIP failure report has it: "TLS connect() error",
  "TCP connect() error ... Connection refused", "SSL certificate verification error",
  "SIP registration error: Credential failed", "gethostbyname() has returned error".
  ("... failed" lines such as "SIP registration failed, status=408" repeat what the SIP
  transactions already show, so they need no anchor of their own.)
* ``xception``: Java/Kotlin/ObjC/C++ exceptions ("java.lang.NullPointerException",
  "Terminating app due to uncaught exception").
* ``SIG``: native crashes ("Fatal signal 11 (SIGSEGV)", "SIGABRT").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from calltriage.clientlog.model import Event

ANCHORS: tuple[str, ...] = ("rror", "xception", "SIG")
# `re` literal search beats str.find for these short, common-letter anchors (measured).
_ANCHOR_PATTERNS = tuple(re.compile(re.escape(a)) for a in ANCHORS)


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    detail: str
    pattern: re.Pattern[str]
    example: str  # a real line this rule must classify (tested)


def _r(kind: str, detail: str, pattern: str, example: str) -> Rule:
    return Rule(kind, detail, re.compile(pattern), example)


RULES: tuple[Rule, ...] = (
    # --- crashes: checked first, a crash line may also mention a TLS or socket error
    _r("crash", "assertion", r"[Aa]ssertion\b.*\bfailed|assertion failed",
       "F libc    : call.cpp:88: onCallState: assertion \"ci.id >= 0\" failed (SIGABRT)"),
    _r("crash", "fatal-signal", r"[Ff]atal signal \d+|\bsignal (?:4|6|7|8|11)\b|SIG(?:SEGV|ABRT|BUS|ILL|FPE)\b",
       "F libc    : Fatal signal 11 (SIGSEGV), code 1 (SEGV_MAPERR), fault addr 0x0 in tid 4242 (pjsip)"),
    _r("crash", "uncaught-exception",
       r"FATAL EXCEPTION|AndroidRuntime\b.*(?:Exception|Error)\b|[Tt]erminating app due to uncaught exception"
       r"|[Uu]ncaught exception|[Uu]nhandled exception|terminating with uncaught exception",
       "E AndroidRuntime: java.lang.NullPointerException: Attempt to invoke virtual method 'int Call.getId()'"),
    _r("exception", "exception-trace", r"(?:^|[\s:(])(?:[a-z]\w*\.)+[A-Z]\w*(?:Exception|Error)\b|\bexception\b",
       "W SipService: java.net.SocketTimeoutException: failed to connect to voip.example.com"),
    # --- TLS
    _r("tls-error", "certificate-expired", r"[Cc]ertificate (?:has )?expired|CERT_HAS_EXPIRED",
       "ssl0x55d1  SSL error: error:1416F086:SSL routines:tls_process_server_certificate:certificate verify "
       "failed (certificate has expired)"),
    _r("tls-error", "hostname-mismatch", r"[Hh]ostname mismatch|IDENTITY_NOT_MATCH|does not match (?:the )?host",
       "ssl0x55d1  Verification error: hostname mismatch (PJ_SSL_CERT_EIDENTITY_NOT_MATCH)"),
    _r("tls-error", "certificate-verification",
       r"ECERTVERIF|[Cc]ertificate verif\w* (?:error|failed)|CERTIFICATE_VERIFY_FAILED|certificate verify failed",
       "tlsc0x56  TLS connect() error: [code=171173] peer: 127.0.0.1: SSL certificate verification error "
       "(PJSIP_TLS_ECERTVERIF)"),
    _r("tls-error", "handshake",
       r"[Hh]andshake (?:failed|error)|ESSLHANDSHAKE|tlsv1 alert|alert (?:protocol version|handshake failure)"
       r"|unsupported protocol|wrong version number",
       "tlsc0x56  TLS connect() error: [code=171165] peer: 127.0.0.1: tlsv1 alert internal error"),
    _r("tls-error", "other", r"\bTLS connect\(\) error|\bssl_sock\w*\.c.*(?:error|failed)|PJSIP_TLS_E",
       "tlsc0x56  TLS connect() error: [code=171999] peer: 10.0.0.1: unknown TLS problem"),
    # --- transport
    _r("transport-error", "connection-refused", r"Connection refused|ECONNREFUSED",
       "tcpc0x55  TCP connect() error: [code=120111]: Connection refused"),
    _r("transport-error", "unreachable", r"Network is unreachable|No route to host|EHOSTUNREACH|ENETUNREACH",
       "tcpc0x55  TCP connect() error: [code=120101]: Network is unreachable"),
    _r("transport-error", "dns",
       r"[Uu]nable to resolve|[Ff]ailed to resolve|ERESOLVE|EDNS|gethostbyname|Name or service not known",
       "sip_resolve.c  Failed to resolve 'voip.example.com'. Err=70018 (gethostbyname() has returned error "
       "(PJ_ERESOLVE))"),
    _r("transport-error", "connection-reset", r"Connection reset|ECONNRESET|PJ_EEOF|End of file",
       "tcpc0x55  TCP send() error: End of file (PJ_EEOF)"),
    _r("transport-error", "timeout", r"Connection timed out|ETIMEDOUT",
       "tcpc0x55  TCP connect() error: [code=120110]: Connection timed out"),
    # --- accounts and registration
    _r("auth-rejected", "credentials", r"EFAILEDCREDENTIAL|Authorization failed for|Credential failed to authenticate",
       "pjsua_acc.c  ....SIP registration error: Credential failed to authenticate (PJSIP_EFAILEDCREDENTIAL) "
       "[status=171100]"),
    _r("registration-failed", "status", r"[Rr]egistration (?:failed|error)(?:.*?\bstatus=(\d{3})\b)?",
       "pjsua_acc.c  ..SIP registration error: Invalid URI (PJSIP_EINVALIDURI) [status=171039]"),
    _r("transport-error", "other", r"\b(?:TCP|UDP|TLS) (?:connect|send|recv|accept)\(\) error|Failed to send",
       "tcpc0x55  TCP send() error, sent=-120104"),
)


# What changes from one occurrence of a log line to the next (time stamp, object addresses,
# IP:port, CSeq): removed before classifying, so repeated lines hit the cache.
_VOLATILE = re.compile(r"^[\d\s:./-]+|0x[0-9a-fA-F]+|\b\d+\.\d+\.\d+\.\d+(?::\d+)?|cseq=\d+")


def classify(line: str) -> tuple[str, str] | None:
    """(kind, detail) of a line, or None when no rule matches."""
    return _classify(_VOLATILE.sub("#", line))


@lru_cache(maxsize=4096)
def _classify(line: str) -> tuple[str, str] | None:
    for rule in RULES:
        m = rule.pattern.search(line)
        if m:
            detail = rule.detail
            if detail == "status":
                detail = f"status-{m.group(1)}" if m.lastindex else "error"
            return rule.kind, detail
    return None


def scan_events(text: str) -> list[Event]:
    """Every line matching a rule, in text order (one event per line)."""
    seen: set[int] = set()
    lines: list[tuple[int, int]] = []
    rfind, find, n = text.rfind, text.find, len(text)
    for anchor in _ANCHOR_PATTERNS:
        for m in anchor.finditer(text):
            pos = m.start()
            start = rfind("\n", 0, pos) + 1
            if start in seen:
                continue
            seen.add(start)
            end = find("\n", pos)
            lines.append((start, n if end < 0 else end))
    lines.sort()
    return _one_per_trace(text, list(_classified(text, lines)))


# A crash or an exception prints a trace of many lines; lines of one trace are one event. Two
# anchored lines belong to one trace when every line between them is a trace line.
_TRACE_LINE = re.compile(
    r"\tat |\s+at [\w$.<>]+\(|Caused by:|\.\.\. \d+ more|#\d+ +pc |\*\*\* \*\*\*|Process: |backtrace:|^\s*$"
)
_MAX_TRACE_GAP_LINES = 80


def _same_trace(text: str, prev: Event, e: Event) -> bool:
    gap = text[prev.offset + len(prev.line) + 1 : e.offset]
    lines = gap.split("\n")[:-1] if gap else []
    return len(lines) <= _MAX_TRACE_GAP_LINES and all(_TRACE_LINE.search(line) for line in lines)


def _one_per_trace(text: str, events: list[Event]) -> list[Event]:
    out: list[Event] = []
    last: dict[str, Event] = {}
    for e in events:
        if e.kind in ("crash", "exception"):
            prev = last.get(e.kind)
            last[e.kind] = e
            if prev is not None and _same_trace(text, prev, e):
                continue
        out.append(e)
    return out


def _classified(text: str, lines: list[tuple[int, int]]) -> Iterator[Event]:
    for start, end in lines:
        line = text[start:end]
        hit = classify(line)
        if hit is not None:
            yield Event(start, hit[0], hit[1], line)
