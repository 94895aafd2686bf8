"""Plain SIP message traces: SIP messages one after another, each optionally preceded by a
marker line saying when and which way it went. Seen in the wild as:

* SIPp ``-trace_msg``: ``----- 2026-11-25 18:07:10.915338`` then ``UDP message sent (336 bytes):``
  or ``UDP message received [398] bytes :``;
* ngrep / sngrep text exports: ``U 2026/11/25 18:04:56.658 10.0.0.5:5060 -> 203.0.113.10:5060``;
* messages pasted from an app's "SIP trace" screen, with or without ``>>>``/``<<<``, ``Sent:`` or
  ``Received:`` lines.

Direction comes from the marker words ("sent"/"received", ``>>>``/``<<<``, "TX"/"RX") or, for
arrows, from the address that sent the first request (taken to be the app's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from calltriage.clientlog.formats.base import LogFormat, register_format
from calltriage.clientlog.model import MessageInfo, SipMessage

_START = re.compile(r"SIP/2\.0(?:[ \t]+(\d{3})[ \t]*([^\n]*)|[ \t]*$)", re.M)
_REQUEST_LINE = re.compile(r"[A-Z]+ [^ \n]+ SIP/2\.0[ \t]*$")
_HEADER_LINE = re.compile(r"[A-Za-z][\w.-]*[ \t]*:[ \t]")
_SDP_LINE = re.compile(r"[a-z]=")
_HEADER = re.compile(r"^(Call-ID|i|CSeq)[ \t]*:[ \t]*([^\n]*)", re.M | re.I)
_ARROW = re.compile(r"(\[?[\w.:]+\]?:\d+)\s*(->|<-)\s*(\[?[\w.:]+\]?:\d+)")
_SENT = re.compile(r"\b(?:sent|sending|send|TX|outgoing)\b|>>>|-->", re.I)
_RECEIVED = re.compile(r"\b(?:received|receiving|recv|RX|incoming)\b|<<<|<--", re.I)
_TRANSPORT = re.compile(r"\b(UDP|TCP|TLS|WSS?)\b")
_LOOKBACK_LINES = 3


@register_format
class SipTrace(LogFormat):
    name = "sip-trace"
    title = "Plain SIP message trace (SIPp -trace_msg, ngrep/sngrep text, pasted app traces)"

    def detect(self, sample: str) -> float:
        starts = sum(1 for _ in self._starts(sample))
        if not starts:
            return 0.0
        if " bytes Request msg " in sample or " bytes Response msg " in sample:
            return 0.3  # SIP messages inside a PJSIP log: that format knows better
        return min(0.9, 0.5 + 0.05 * starts)

    def _starts(self, text: str) -> Iterator[tuple[int, str, int]]:
        """(line start, start line, code) of every SIP request or status line."""
        for m in _START.finditer(text):
            ls = text.rfind("\n", 0, m.start()) + 1
            line = text[ls : m.end()]
            if m.group(1):
                if ls == m.start():  # a status line starts its line
                    yield ls, line, int(m.group(1))
            elif _REQUEST_LINE.match(line):
                yield ls, line.rstrip(), 0

    def parse(self, text: str) -> Iterator[SipMessage]:
        client: list[str] = []
        for ls, start_line, code in self._starts(text):
            headers = self._headers(text, ls)
            cseq_num, _, cseq_method = headers.get("cseq", "").partition(" ")
            method = cseq_method.strip() or (start_line.split(" ", 1)[0] if not code else "")
            if not method or not cseq_num.isdigit():
                continue  # a fragment of a message (cut off, or quoted in prose)
            _, marker = self._marker(text, ls)
            direction, _ = self._direction(marker, code, client)
            yield SipMessage(ls, direction, method.upper(), code, int(cseq_num), self._call_id(headers))

    def describe(self, text: str, offset: int) -> MessageInfo:
        end = text.find("\n", offset)
        start_line = text[offset : end if end >= 0 else len(text)].rstrip()
        _, marker = self._marker(text, offset)
        _, peer = self._direction(marker, 1, self._client(text))
        tp = _TRANSPORT.search(marker)
        return MessageInfo(start_line, self._call_id(self._headers(text, offset)), tp.group(1) if tp else "", peer)

    def _client(self, text: str) -> list[str]:
        """The app's address: the sender of the first request that has an arrow marker."""
        for ls, _, code in self._starts(text):
            arrow = _ARROW.search(self._marker(text, ls)[1])
            if arrow and not code:
                return [arrow.group(1) if arrow.group(2) == "->" else arrow.group(3)]
        return []

    @staticmethod
    def _headers(text: str, ls: int) -> dict[str, str]:
        end = text.find("\n\n", ls)
        return {k.lower(): v.strip() for k, v in _HEADER.findall(text, ls, end if end > 0 else len(text))}

    @staticmethod
    def _call_id(headers: dict[str, str]) -> str:
        return headers.get("call-id", headers.get("i", ""))

    @staticmethod
    def _direction(marker: str, code: int, client: list[str]) -> tuple[str, str]:
        """("TX"/"RX"/"", peer address) from a marker; ``client`` remembers the app's address."""
        arrow = _ARROW.search(marker)
        if arrow:
            src, dst = (arrow.group(1), arrow.group(3)) if arrow.group(2) == "->" else (arrow.group(3), arrow.group(1))
            if not client and not code:
                client.append(src)  # the first request's sender is the app
            if not client:
                return "", ""
            return ("TX", dst) if src == client[0] else ("RX", src)
        if _SENT.search(marker):
            return "TX", ""
        if _RECEIVED.search(marker):
            return "RX", ""
        return "", ""

    @staticmethod
    def _marker(text: str, ls: int) -> tuple[int, str]:
        """The non-blank lines just above a message (its marker), and where they start."""
        pos, found = ls, []
        for _ in range(_LOOKBACK_LINES):
            if pos <= 0:
                break
            prev = text.rfind("\n", 0, pos - 1) + 1
            line = text[prev : pos - 1]
            # Stop at the previous message: a header, a start line or an SDP body line.
            header = _HEADER_LINE.match(line) and not _SENT.match(line) and not _RECEIVED.match(line)
            if header or _SDP_LINE.match(line) or "SIP/2.0" in line:
                break
            pos = prev
            if line.strip():
                found.append(line)
        return (pos if found else ls), "\n".join(reversed(found))

    def time_at(self, text: str, offset: int) -> float | None:
        # The time is on the marker above the start line (SIPp: on the separator line).
        pos, _ = self._marker(text, offset)
        while pos <= offset:
            t = super().time_at(text, pos)
            if t is not None:
                return t
            nxt = text.find("\n", pos)
            if nxt < 0:
                break
            pos = nxt + 1
        return None
