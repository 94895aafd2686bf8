"""Errors of the SIP client. Each carries a ``kind`` a probe can map to a verdict, and a plain
message an operator can read (no tracebacks, no secrets)."""

from __future__ import annotations

from enum import StrEnum


class FailureKind(StrEnum):
    TIMEOUT = "timeout"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"
    CLOSED = "closed"
    TLS_EXPIRED = "tls-expired"
    TLS_NOT_YET_VALID = "tls-not-yet-valid"
    TLS_HOSTNAME = "tls-hostname"
    TLS_UNTRUSTED = "tls-untrusted"
    TLS_PROTOCOL = "tls-protocol"
    TLS_NOT_TLS = "tls-not-tls"
    TLS_OTHER = "tls-other"
    PROTOCOL = "protocol"

    @property
    def is_tls(self) -> bool:
        return self.value.startswith("tls-")


class SipError(Exception):
    """Base of the SIP client errors."""


class SipParseError(SipError):
    """A message the client could not parse."""


class SipTransportError(SipError):
    """The connection failed or the server did not answer in time."""

    def __init__(self, kind: FailureKind, message: str, *, verify_code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.verify_code = verify_code

    def __str__(self) -> str:
        return self.message
