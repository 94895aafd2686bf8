"""A relay on the path that adds latency: every byte (TCP/TLS) and datagram (UDP) is delivered
``delay_ms`` later, in each direction, in order. `tc netem` is not available on the lab's kernels,
so a client network with latency sends its traffic through this relay (its own process:
``python -m calltriage_lab.delayrelay --tcp LISTEN:TARGET --udp LISTEN:TARGET --delay-ms 300``).
TLS passes through untouched: the app still verifies the server certificate.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from typing import Any


class _Pipe:
    """One direction of a TCP connection: chunks written ``delay`` s after they were read."""

    def __init__(self, delay: float, writer: asyncio.StreamWriter) -> None:
        self.delay = delay
        self.writer = writer
        self.queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def pump(self, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data = await reader.read(65536)
            await self.queue.put((loop.time() + self.delay, data))
            if not data:
                return

    async def deliver(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, data = await self.queue.get()
            await asyncio.sleep(max(0.0, due - loop.time()))
            if not data:
                with contextlib.suppress(OSError):
                    self.writer.close()
                return
            self.writer.write(data)
            await self.writer.drain()


async def _tcp_client(delay: float, target: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        writer.close()
        return
    down, up = _Pipe(delay, writer), _Pipe(delay, up_writer)
    tasks = [asyncio.create_task(c) for c in (up.pump(reader), up.deliver(), down.pump(up_reader), down.deliver())]
    with contextlib.suppress(Exception):
        await asyncio.gather(*tasks)
    for task in tasks:
        task.cancel()
    for w in (writer, up_writer):
        with contextlib.suppress(OSError):
            w.close()


class _UdpUpstream(asyncio.DatagramProtocol):
    def __init__(self, relay: _UdpListener, client: tuple[str, int]) -> None:
        self.relay = relay
        self.client = client
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        loop = asyncio.get_running_loop()
        loop.call_later(self.relay.delay, self.relay.send_back, data, self.client)


class _UdpListener(asyncio.DatagramProtocol):
    def __init__(self, delay: float, target: int) -> None:
        self.delay = delay
        self.target = ("127.0.0.1", target)
        self.transport: asyncio.DatagramTransport | None = None
        self.upstreams: dict[tuple[str, int], _UdpUpstream] = {}

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def send_back(self, data: bytes, client: tuple[str, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(data, client)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        asyncio.get_running_loop().call_later(self.delay, lambda: asyncio.ensure_future(self._forward(data, addr)))

    async def _forward(self, data: bytes, addr: tuple[str, int]) -> None:
        upstream = self.upstreams.get(addr)
        if upstream is None:
            loop = asyncio.get_running_loop()
            _, upstream = await loop.create_datagram_endpoint(
                lambda: _UdpUpstream(self, addr), local_addr=("127.0.0.1", 0), remote_addr=self.target)
            self.upstreams[addr] = upstream
        if upstream.transport is not None:
            upstream.transport.sendto(data)


async def serve(delay_ms: int, tcp: list[tuple[int, int]], udp: list[tuple[int, int]]) -> None:
    delay = delay_ms / 1000
    loop = asyncio.get_running_loop()
    for listen, target in tcp:
        await asyncio.start_server(
            lambda r, w, t=target: _tcp_client(delay, t, r, w), "127.0.0.1", listen)  # type: ignore[misc]
    for listen, target in udp:
        await loop.create_datagram_endpoint(lambda t=target: _UdpListener(delay, t),  # type: ignore[misc]
                                            local_addr=("127.0.0.1", listen))
    print("ready", flush=True)
    await asyncio.Event().wait()


def _pair(text: str) -> tuple[int, int]:
    listen, target = text.split(":")
    return int(listen), int(target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--delay-ms", type=int, required=True)
    ap.add_argument("--tcp", type=_pair, action="append", default=[], help="LISTEN:TARGET (127.0.0.1)")
    ap.add_argument("--udp", type=_pair, action="append", default=[], help="LISTEN:TARGET (127.0.0.1)")
    args = ap.parse_args()
    asyncio.run(serve(args.delay_ms, args.tcp, args.udp))


if __name__ == "__main__":
    main()
