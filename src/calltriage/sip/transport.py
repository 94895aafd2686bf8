"""UDP, TCP and TLS flows to one SIP server, with failures classified in plain words.

Python's ``ssl`` (system OpenSSL 3) is the authority on certificates: it tells an expired
certificate (verify code 10), a host-name mismatch (62) and an unknown or self-signed CA
(18/19/20) apart, which no SIP engine we evaluated does (research/ua-eval-summary.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from calltriage.sip.errors import FailureKind, SipParseError, SipTransportError
from calltriage.sip.message import Request, Response, StreamFramer, parse_message

TransportName = Literal["udp", "tcp", "tls"]
Address = tuple[str, int]
MessageHandler = Callable[[Request | Response, "Flow", Address], None]

# OpenSSL X509_V_ERR_* codes (x509_vfy.h) reported by ssl.SSLCertVerificationError.verify_code.
_VERIFY_KIND = {
    9: FailureKind.TLS_NOT_YET_VALID,
    10: FailureKind.TLS_EXPIRED,
    62: FailureKind.TLS_HOSTNAME,
    2: FailureKind.TLS_UNTRUSTED,  # unable to get issuer certificate
    7: FailureKind.TLS_UNTRUSTED,  # signature failure: a different CA with the same name
    18: FailureKind.TLS_UNTRUSTED,  # self-signed leaf
    19: FailureKind.TLS_UNTRUSTED,  # self-signed certificate in chain
    20: FailureKind.TLS_UNTRUSTED,  # unable to get local issuer certificate
    21: FailureKind.TLS_UNTRUSTED,  # unable to verify the first certificate
}
# OpenSSL reason strings meaning "no TLS version in common".
_PROTOCOL_REASONS = {
    "TLSV1_ALERT_PROTOCOL_VERSION",
    "UNSUPPORTED_PROTOCOL",
    "NO_PROTOCOLS_AVAILABLE",
    "VERSION_TOO_LOW",
    "TLSV1_ALERT_INSUFFICIENT_SECURITY",
}
# The peer does not speak TLS on that port at all (e.g. plain SIP/TCP).
_NOT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "UNKNOWN_PROTOCOL",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int
    transport: TransportName = "udp"
    # Name the TLS certificate must carry; defaults to ``host``.
    server_name: str | None = None

    def __str__(self) -> str:
        return f"{self.transport.upper()} {self.host}:{self.port}"

    @property
    def tls_name(self) -> str:
        return self.server_name or self.host


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """Client context: TLS 1.2 minimum (1.3 allowed), chain and host name verified."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def classify(exc: BaseException, ep: Endpoint, timeout: float | None = None) -> SipTransportError:
    """Translate a connect/handshake exception into a ``SipTransportError`` with plain words."""
    where = f"{ep.host}:{ep.port}"
    if isinstance(exc, SipTransportError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        kind = _VERIFY_KIND.get(code, FailureKind.TLS_OTHER)
        detail = {
            FailureKind.TLS_EXPIRED: "has expired",
            FailureKind.TLS_NOT_YET_VALID: "is not yet valid",
            FailureKind.TLS_HOSTNAME: f"is not valid for the name {ep.tls_name!r} (host-name mismatch)",
            FailureKind.TLS_UNTRUSTED: "is not signed by the configured CA (self-signed or unknown CA)",
        }.get(kind, f"was rejected: {exc.verify_message}")
        return SipTransportError(kind, f"TLS certificate of {where} {detail}", verify_code=code)
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None) or ""
        if reason in _PROTOCOL_REASONS:
            return SipTransportError(
                FailureKind.TLS_PROTOCOL,
                f"TLS handshake with {where} failed: no common TLS version (this client requires TLS 1.2+)",
            )
        if reason in _NOT_TLS_REASONS:
            return SipTransportError(FailureKind.TLS_NOT_TLS, f"{where} does not speak TLS (wrong port or transport?)")
        return SipTransportError(
            FailureKind.TLS_OTHER, f"TLS handshake with {where} failed: {reason or exc.__class__.__name__}"
        )
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        within = f" within {timeout:g} s" if timeout is not None else ""
        return SipTransportError(FailureKind.TIMEOUT, f"no answer from {ep}{within}")
    if isinstance(exc, ConnectionAbortedError) and "longer than" in str(exc):
        # asyncio's ssl_handshake_timeout: TCP connected (kernel backlog) but no TLS answer.
        within = f" within {timeout:g} s" if timeout is not None else ""
        return SipTransportError(FailureKind.TIMEOUT, f"no TLS handshake answer from {where}{within}")
    if isinstance(exc, ConnectionRefusedError):
        return SipTransportError(FailureKind.REFUSED, f"{ep} refused the connection (nothing listens there)")
    if isinstance(exc, socket.gaierror):
        return SipTransportError(FailureKind.UNREACHABLE, f"the name {ep.host!r} does not resolve")
    if isinstance(exc, ConnectionResetError | BrokenPipeError | EOFError | asyncio.IncompleteReadError):
        return SipTransportError(FailureKind.CLOSED, f"{ep} closed the connection")
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return SipTransportError(FailureKind.UNREACHABLE, f"{ep} is unreachable")
    if isinstance(exc, OSError):
        return SipTransportError(FailureKind.UNREACHABLE, f"{ep}: {exc.strerror or exc.__class__.__name__}")
    return SipTransportError(FailureKind.PROTOCOL, f"{ep}: {exc.__class__.__name__}")


class Flow:
    """One transport flow to the server; delivers parsed messages to ``on_message``."""

    transport: TransportName
    local: Address
    remote: Address

    def __init__(self, transport: TransportName, on_message: MessageHandler) -> None:
        self.transport = transport
        self._on_message = on_message
        self.closed = False
        self.close_reason: str | None = None
        self.local = ("127.0.0.1", 0)
        self.remote = ("127.0.0.1", 0)
        self.peer_cert: dict[str, object] | None = None
        self.tls_version: str | None = None
        self.cipher: str | None = None

    def send(self, data: bytes, addr: Address | None = None) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def _deliver(self, data: bytes, addr: Address) -> None:
        if not data.strip():
            return  # CRLF keep-alive
        try:
            msg = parse_message(data)
        except SipParseError:
            return  # garbage from the network must not break a probe; the deadline reports it
        self._on_message(msg, self, addr)


class _StreamProto(asyncio.Protocol):
    def __init__(self, flow: StreamFlow) -> None:
        self.flow = flow
        self.framer = StreamFramer()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.flow._transport = transport
        # SIP requests are small and latency matters; Nagle adds ~40 ms on stream legs.
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            frames = self.framer.feed(data)
        except SipParseError as exc:
            self.flow.close_reason = str(exc)
            self.flow.close()
            return
        for frame in frames:
            self.flow._deliver(frame, self.flow.remote)

    def connection_lost(self, exc: Exception | None) -> None:
        self.flow.closed = True
        if self.flow.close_reason is None:
            self.flow.close_reason = "the server closed the connection"
        for waiter in self.flow.lost_waiters:
            if not waiter.done():
                waiter.set_result(None)


class StreamFlow(Flow):
    def __init__(self, transport: TransportName, on_message: MessageHandler) -> None:
        super().__init__(transport, on_message)
        self._transport: asyncio.Transport | None = None
        self.lost_waiters: list[asyncio.Future[None]] = []

    def send(self, data: bytes, addr: Address | None = None) -> None:
        if self.closed or self._transport is None or self._transport.is_closing():
            raise SipTransportError(FailureKind.CLOSED, f"connection to {self.remote[0]}:{self.remote[1]} is closed")
        self._transport.write(data)

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


class _DatagramProto(asyncio.DatagramProtocol):
    def __init__(self, flow: DatagramFlow) -> None:
        self.flow = flow

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.flow._deliver(data, (addr[0], addr[1]))

    def error_received(self, exc: Exception) -> None:
        # Linux reports an ICMP port-unreachable for a previous sendto() here: on loopback
        # that means "nothing listens on that UDP port" - far better than waiting 32 s.
        if isinstance(exc, ConnectionRefusedError):
            self.flow.icmp_refused = True
            for waiter in self.flow.refused_waiters:
                if not waiter.done():
                    waiter.set_result(None)


class DatagramFlow(Flow):
    def __init__(self, on_message: MessageHandler) -> None:
        super().__init__("udp", on_message)
        self._transport: asyncio.DatagramTransport | None = None
        self.icmp_refused = False
        self.refused_waiters: list[asyncio.Future[None]] = []

    def send(self, data: bytes, addr: Address | None = None) -> None:
        if self._transport is None or self.closed:
            raise SipTransportError(FailureKind.CLOSED, "UDP socket is closed")
        self._transport.sendto(data)  # connected socket: always to the server

    def close(self) -> None:
        self.closed = True
        if self._transport is not None:
            self._transport.close()


def _local_ip_for(host_ip: str, family: int) -> str:
    # The address the kernel would use to reach the server; it goes into Via/Contact so the
    # server can answer and route calls back to us.
    s = socket.socket(family, socket.SOCK_DGRAM)
    try:
        s.connect((host_ip, 9))
        return str(s.getsockname()[0])
    finally:
        s.close()


async def open_flow(
    ep: Endpoint,
    on_message: MessageHandler,
    *,
    timeout: float,
    ssl_context: ssl.SSLContext | None = None,
    handshake_lock: asyncio.Lock | None = None,
    rcvbuf: int | None = None,
) -> Flow:
    """Connect (TCP/TLS) or bind (UDP) a flow to ``ep`` within ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            infos = await loop.getaddrinfo(ep.host, ep.port, type=socket.SOCK_STREAM)
            family, _, _, _, sockaddr = infos[0]
            remote = (str(sockaddr[0]), int(sockaddr[1]))
            if ep.transport == "udp":
                dflow = DatagramFlow(on_message)
                local_ip = _local_ip_for(remote[0], family)
                # A connected UDP socket: Linux then reports ICMP port-unreachable (nothing
                # listens) instead of leaving us to wait for the deadline.
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _DatagramProto(dflow), local_addr=(local_ip, 0), remote_addr=remote, family=family
                )
                dflow._transport = transport
                sock = transport.get_extra_info("socket")
                if rcvbuf and sock is not None:
                    # Many OPTIONS in flight: the default 208 KB buffer holds ~125 replies and
                    # drops the rest (perf-anchors §1.2).
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                local = transport.get_extra_info("sockname")
                dflow.local = (str(local[0]), int(local[1]))
                dflow.remote = remote
                return dflow
            sflow = StreamFlow(ep.transport, on_message)
            if ep.transport == "tls":
                ctx = ssl_context or tls_context(None)
                # Debian's Kamailio 5.6.3 corrupts memory on concurrent TLS handshakes
                # (kamailio#3791, perf-anchors §1.6): callers pass one lock per server.
                lock = handshake_lock or asyncio.Lock()
                async with lock:
                    try:
                        transport2, _ = await loop.create_connection(
                            lambda: _StreamProto(sflow),
                            remote[0],
                            remote[1],
                            ssl=ctx,
                            server_hostname=ep.tls_name,
                            ssl_handshake_timeout=timeout,
                        )
                    except (ConnectionResetError, EOFError) as exc:
                        # A peer that drops the connection mid-handshake without an alert
                        # (some stacks do on a version or cipher mismatch).
                        raise SipTransportError(
                            FailureKind.TLS_OTHER,
                            f"{ep.host}:{ep.port} closed the connection during the TLS handshake "
                            "(no common TLS version or cipher?)",
                        ) from exc
                ssl_obj = transport2.get_extra_info("ssl_object")
                if ssl_obj is not None:
                    sflow.peer_cert = ssl_obj.getpeercert()
                    sflow.tls_version = ssl_obj.version()
                    cipher = ssl_obj.cipher()
                    sflow.cipher = cipher[0] if cipher else None
            else:
                transport2, _ = await loop.create_connection(lambda: _StreamProto(sflow), remote[0], remote[1])
            local = transport2.get_extra_info("sockname")
            sflow.local = (str(local[0]), int(local[1]))
            sflow.remote = remote
            return sflow
    except Exception as exc:
        raise classify(exc, ep, timeout) from None
