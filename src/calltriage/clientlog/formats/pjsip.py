"""PJSIP log format, as written by PJSIP-based apps (pjsua, pjsua2 ``logConfig``, most
white-label softphones).

Every SIP message is logged by ``pjsua_core.c`` (level 4 and up) as::

    18:04:18.632   pjsua_core.c  ...TX 547 bytes Request msg REGISTER/cseq=55581 (tdta0x55..) to UDP 127.0.0.1:36283:
    REGISTER sip:127.0.0.1:36283 SIP/2.0
    Via: ...

    --end msg--

``RX ... Response msg 401/REGISTER/cseq=55581 (rdata0x..) from UDP ...:`` for received ones.
The marker line already names direction, method, status code and CSeq, so the parser reads
the marker and the message's first line and never walks the headers; the Call-ID is read on
demand (``call_id_at``) for the few messages the analysis shows. The time stamp prefix depends
on the app's ``decor`` flags (time, optional date); ``time_at`` reads both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from calltriage.clientlog.formats.base import LogFormat, register_format
from calltriage.clientlog.model import MessageInfo, SipMessage

# Starts with the literal "X " (of TX/RX) so that `re` can use its fast literal search, and stops
# at the CSeq: the rest of the marker is read only for messages the analysis shows (describe()).
_MARKER = re.compile(r"X \d+ bytes Re(?:quest|sponse) msg (?:(\d{3})/)?([A-Za-z]+)/cseq=(\d+) ")
_FULL_MARKER = re.compile(
    r"[TR]X \d+ bytes Re(?:quest|sponse) msg \S+ \([^)\n]*\) (?:to|from) (\w+) ([^\n]*?):?\n([^\n]*)"
)
_DETECT = re.compile(r"[TR]X \d+ bytes (?:Request|Response) msg ")
_SENDERS = re.compile(r"\b(?:pjsua_core|pjsua_acc|pjsua_call|sip_endpoint|sip_transport)\.c\b")
_DIRECTION = {"T": "TX", "R": "RX"}


@register_format
class PjsipLog(LogFormat):
    name = "pjsip"
    title = "PJSIP log (pjsua/pjsua2 apps: time-stamped lines, SIP messages between TX/RX markers)"

    def detect(self, sample: str) -> float:
        markers = len(_DETECT.findall(sample))
        if markers:
            return min(1.0, 0.6 + 0.1 * markers)
        # A PJSIP log that logged no SIP message (e.g. level 3, or the app died at start).
        return 0.4 if len(_SENDERS.findall(sample)) >= 3 else 0.0

    def parse(self, text: str) -> Iterator[SipMessage]:
        # ~100k messages per 200 MB: a plain loop into a list, and tuple.__new__ instead of the
        # NamedTuple's Python-level __new__, keep the per-message cost near the regex's own.
        new, direction = tuple.__new__, _DIRECTION
        out: list[SipMessage] = []
        append = out.append
        for m in _MARKER.finditer(text):
            code, method, cseq = m.groups()
            pos = m.start() - 1
            code_n = int(code) if code else 0
            append(new(SipMessage, (pos, direction.get(text[pos], ""), method, code_n, int(cseq), "")))
        return iter(out)

    def describe(self, text: str, offset: int) -> MessageInfo:
        m = _FULL_MARKER.match(text, offset)
        if m is None:
            return MessageInfo("", "", "", "")
        return MessageInfo(m.group(3), self.call_id_at(text, m.end(2)), m.group(1), m.group(2))
