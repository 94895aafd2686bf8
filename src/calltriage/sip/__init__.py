"""The project's own focused asyncio SIP client (OPTIONS, REGISTER check, test call) over
UDP, TCP and TLS (Python ``ssl``, full certificate verification)."""

from calltriage.sip.agent import CallResult, Credentials, OptionsResult, RegisterResult, UserAgent
from calltriage.sip.errors import FailureKind, SipError, SipParseError, SipTransportError
from calltriage.sip.transport import Endpoint, tls_context

__all__ = [
    "CallResult",
    "Credentials",
    "Endpoint",
    "FailureKind",
    "OptionsResult",
    "RegisterResult",
    "SipError",
    "SipParseError",
    "SipTransportError",
    "UserAgent",
    "tls_context",
]
