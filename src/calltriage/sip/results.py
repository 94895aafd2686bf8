"""What the SIP agent reports: operation results, incoming calls, credentials, the SDP offer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from calltriage.sip.message import new_tag
from calltriage.sip.transport import Address


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    # Held as plain text only for the digest computation; never shown in reprs.
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class OptionsResult:
    code: int
    reason: str
    rtt: float
    server: str | None = None  # Server or User-Agent header of whoever answered


@dataclass(frozen=True, slots=True)
class RegisterResult:
    code: int
    reason: str
    elapsed: float
    challenged: bool = False
    expires: int | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


@dataclass(slots=True)
class CallResult:
    code: int | None = None  # final response to the INVITE (None: none arrived)
    reason: str = ""
    provisional: list[int] = field(default_factory=list)
    answered: bool = False
    cancelled: bool = False
    timed_out: bool = False
    challenged: bool = False
    setup_time: float | None = None  # INVITE sent -> final response
    bye_code: int | None = None
    elapsed: float = 0.0
    remote_agent: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "reason": self.reason,
            "provisional": self.provisional,
            "answered": self.answered,
            "cancelled": self.cancelled,
            "timed_out": self.timed_out,
            "challenged": self.challenged,
            "setup_time": None if self.setup_time is None else round(self.setup_time, 4),
            "bye_code": self.bye_code,
            "elapsed": round(self.elapsed, 4),
            "remote_agent": self.remote_agent,
        }


@dataclass(slots=True)
class IncomingCall:
    call_id: str
    caller: str
    answered: bool = False
    acked: bool = False
    ended: bool = False
    cancelled: bool = False
    last_response: bytes = b""
    last_addr: Address | None = None
    to_tag: str = field(default_factory=new_tag)


def sdp_offer(ip: str) -> bytes:
    """A minimal SDP: one inactive audio stream on the discard port. The probe needs the
    signalling outcome, not media, and an inactive stream makes no peer send RTP to us."""
    sess = str(secrets.randbelow(10**9))
    return (
        f"v=0\r\no=calltriage {sess} {sess} IN IP4 {ip}\r\ns=calltriage\r\nc=IN IP4 {ip}\r\n"
        "t=0 0\r\nm=audio 9 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=inactive\r\n"
    ).encode()
