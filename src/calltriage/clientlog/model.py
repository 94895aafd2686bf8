"""Records the client-log parsers produce and the analysis works on.

Records are ``NamedTuple``s on purpose: a 200 MB log holds ~100k SIP messages and the parsers
build them straight from regex matches, where a tuple costs a fraction of a dataclass.
"""

from __future__ import annotations

from typing import NamedTuple


class SipMessage(NamedTuple):
    """One SIP message found in the log: what transaction matching needs, nothing more.

    The rest (start line, transport, peer) is read on demand with ``LogFormat.describe`` for
    the few messages the analysis shows.
    """

    offset: int  # where the format's record of the message starts (PJSIP: the TX/RX marker)
    direction: str  # "TX": the app sent it, "RX": the app received it, "": unknown
    method: str  # the CSeq method (so responses carry the method they answer)
    code: int  # status code for responses, 0 for requests
    cseq: int
    call_id: str  # "" when the format does not give it cheaply (see LogFormat.describe)


class MessageInfo(NamedTuple):
    start_line: str  # "REGISTER sip:example.com SIP/2.0" or "SIP/2.0 401 Unauthorized"
    call_id: str
    transport: str  # "UDP", "TCP", "TLS", ... or ""
    peer: str  # "203.0.113.10:5061" or ""

    @property
    def reason(self) -> str:
        """The reason phrase of a response ("Unauthorized"), "" for requests."""
        return self.start_line[12:].strip() if self.start_line.startswith("SIP/2.0 ") else ""


class Event(NamedTuple):
    """A notable non-SIP log line: TLS/transport error, auth/registration failure, crash."""

    offset: int  # start of the line
    kind: str  # see markers.RULES: "tls-error", "transport-error", "auth-rejected", "crash", ...
    detail: str  # a stable sub-kind, e.g. "certificate-verification", "connection-refused"
    line: str  # the whole line, as stored (already redacted)
