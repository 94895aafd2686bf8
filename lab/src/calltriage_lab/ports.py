"""Free loopback ports for private instances."""

from __future__ import annotations

import socket


def free_port(*, also_udp: bool = False) -> int:
    """A TCP port free on 127.0.0.1 (and free for UDP too when asked). Racy by nature (another
    process may take it before Kamailio binds): the lab retries its start on a bind failure."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        if not also_udp:
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def distinct_ports(count: int) -> list[int]:
    """``count`` different ports; the first one is also free for UDP (SIP over UDP+TCP)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port(also_udp=not ports)
        if port not in ports:
            ports.append(port)
    return ports
