"""OPTIONS liveness sweep: many OPTIONS over one UDP socket, a window of requests in flight.

For fleet-wide checks ("which of these 10,000 contacts still answer", "does the server keep
up"), the per-request transaction machinery of ``UserAgent`` is too heavy. Here a request is
one pre-formatted datagram, a reply is matched by its Call-ID without a full parse, and the
next request leaves from the reply callback. A large ``SO_RCVBUF`` matters: with the default
208 KB, bursts of replies beyond ~125 are dropped by the kernel (perf-anchors §1.2).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from calltriage.sip.transport import _local_ip_for

_CALL_ID_KEYS = (b"\r\nCall-ID:", b"\r\ncall-id:", b"\r\ni:", b"\r\nCall-Id:")


@dataclass(slots=True)
class SweepResult:
    sent: int = 0
    answered: int = 0
    lost: int = 0
    retransmitted: int = 0
    elapsed: float = 0.0
    codes: Counter[int] = field(default_factory=Counter)
    # per-target status code (None = no answer), only when targets were given
    by_target: dict[str, int | None] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.answered / self.elapsed if self.elapsed > 0 else 0.0


class _Proto(asyncio.DatagramProtocol):
    def __init__(self, sweep: _Sweep) -> None:
        self.sweep = sweep

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.sweep.on_reply(data)

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP errors: the affected requests time out and count as lost


class _Sweep:
    def __init__(
        self,
        uris: Sequence[str],
        n: int,
        window: int,
        timeout: float,
        retransmit: bool,
        progress: Callable[[SweepResult], None] | None,
        track: bool = False,
    ) -> None:
        self.uris = uris
        self.track = track
        self.n = n
        self.window = window
        self.timeout = timeout
        self.retransmit = retransmit
        self.progress = progress
        self.token = secrets.token_hex(4)
        self.result = SweepResult()
        self.inflight: dict[int, float] = {}  # request index -> send time (insertion = send order)
        self.resent: set[int] = set()
        self.next = 0
        self.transport: asyncio.DatagramTransport | None = None
        self.template = b""
        self.done: asyncio.Future[None] | None = None
        self.codes: list[int | None] = []
        self.pieces: list[tuple[bytes, ...]] = []

    def prepare(self, local: tuple[str, int], domain: str) -> None:
        ip, port = local
        # {i} = request index, {uri} = R-URI; Call-ID and branch carry the index for matching.
        self.template = (
            "OPTIONS {uri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {ip}:{port};branch=z9hG4bK{self.token}.{{i}};rport\r\n"
            f"From: <sip:calltriage@{domain}>;tag={self.token}\r\n"
            "To: <{uri}>\r\n"
            f"Call-ID: {{i}}.{self.token}\r\n"
            "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        ).encode()
        self.pieces = [tuple(self.template.replace(b"{uri}", u.encode()).split(b"{i}")) for u in self.uris]
        if self.track:
            self.codes = [None] * self.n

    def _datagram(self, i: int) -> bytes:
        # Pre-split templates per URI: two joins per request instead of re-formatting.
        parts = self.pieces[i % len(self.pieces)]
        idx = b"%d" % i
        return idx.join(parts)

    def fill(self) -> None:
        assert self.transport is not None
        now = time.perf_counter()
        while self.next < self.n and len(self.inflight) < self.window:
            i = self.next
            self.next += 1
            self.inflight[i] = now
            self.transport.sendto(self._datagram(i))
            self.result.sent += 1
        self._maybe_done()

    def on_reply(self, data: bytes) -> None:
        if not data.startswith(b"SIP/2.0 "):
            return
        i = self._index(data)
        if i is None or self.inflight.pop(i, None) is None:
            return  # duplicate (answer to a retransmission) or not ours
        code = int(data[8:11]) if data[8:11].isdigit() else 0
        if 100 <= code < 200:
            self.inflight[i] = time.perf_counter()  # provisional: keep waiting for the final
            return
        self.result.answered += 1
        self.result.codes[code] += 1
        if self.codes:
            self.codes[i] = code
        if self.progress is not None and self.result.answered % 5000 == 0:
            self.progress(self.result)
        self.fill()

    def _index(self, data: bytes) -> int | None:
        for key in _CALL_ID_KEYS:
            at = data.find(key)
            if at >= 0:
                start = at + len(key)
                end = data.find(b".", start)
                with contextlib.suppress(ValueError):
                    return int(data[start:end].strip())
                return None
        return None

    def expire(self) -> None:
        """Retransmit once after half the timeout, then give a request up as lost."""
        assert self.transport is not None
        now = time.perf_counter()
        for i, sent in list(self.inflight.items()):
            age = now - sent
            if age >= self.timeout:
                del self.inflight[i]
                self.result.lost += 1
            elif self.retransmit and age >= self.timeout / 2 and i not in self.resent:
                self.resent.add(i)
                self.result.retransmitted += 1
                self.transport.sendto(self._datagram(i))
            else:
                break  # later entries were sent later
        self.fill()

    def _maybe_done(self) -> None:
        if self.next >= self.n and not self.inflight and self.done is not None and not self.done.done():
            self.done.set_result(None)


async def options_sweep(
    host: str,
    port: int,
    *,
    targets: Sequence[str] = (),
    count: int | None = None,
    window: int = 64,
    timeout: float = 2.0,
    retransmit: bool = True,
    rcvbuf: int = 8 * 1024 * 1024,
    domain: str = "calltriage.invalid",
    progress: Callable[[SweepResult], None] | None = None,
) -> SweepResult:
    """Send OPTIONS to each of ``targets`` (SIP URIs, through the server at host:port), or
    ``count`` OPTIONS to the server itself, with at most ``window`` in flight.

    Never raises for a silent server: unanswered requests count as ``lost`` after ``timeout``.
    """
    uris: Sequence[str] = targets or (f"sip:{host}:{port}",)
    n = len(targets) if targets and count is None else (count or 1)
    sweep = _Sweep(uris, n, max(1, window), timeout, retransmit, progress, track=bool(targets))
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    family, _, _, _, addr = infos[0]
    remote = (str(addr[0]), int(addr[1]))
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Proto(sweep), local_addr=(_local_ip_for(remote[0], family), 0), remote_addr=remote, family=family
    )
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, rcvbuf)
    sweep.transport = transport
    sweep.prepare(transport.get_extra_info("sockname")[:2], domain)
    sweep.done = loop.create_future()
    t0 = time.perf_counter()
    try:
        sweep.fill()
        while not sweep.done.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(sweep.done), min(0.05, timeout / 4))
            sweep.expire()
    finally:
        sweep.result.elapsed = time.perf_counter() - t0
        transport.close()
    if targets:
        sweep.result.by_target = {uris[i % len(uris)]: code for i, code in enumerate(sweep.codes)}
    return sweep.result
