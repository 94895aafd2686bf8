"""`FlakyLink`: a loopback relay in front of the lab that can cut the network and heal it.

The transient-network-fault scenario: an app talks to the relay's port instead of the server's;
cut() drops the link (UDP datagrams are dropped, TCP/TLS connections are reset and new ones
refused), heal() restores it. TLS passes through untouched (the relay never decrypts), so the
app still verifies the server certificate. `tc netem` is not available in this kernel and netns
rules need root, hence a userspace relay.
"""

from __future__ import annotations

import selectors
import socket
import threading
from typing import Literal

from calltriage_lab.ports import free_port


class FlakyLink:
    """Relay 127.0.0.1:<port> -> 127.0.0.1:<target_port> for one transport."""

    def __init__(self, target_port: int, transport: Literal["udp", "tcp", "tls"] = "tls") -> None:
        self.target = ("127.0.0.1", target_port)
        self.udp = transport == "udp"
        self.port = free_port(also_udp=self.udp)
        self.is_cut = False
        self._sel = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._udp_peers: dict[tuple[str, int], socket.socket] = {}
        self._udp_clients: dict[socket.socket, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"flakylink-{self.port}")

    # ---------- control ----------
    def start(self) -> FlakyLink:
        self._open_listener()
        self._thread.start()
        return self

    def cut(self) -> None:
        """Network down: reset connections, refuse new ones, drop datagrams."""
        with self._lock:
            self.is_cut = True
            if not self.udp:
                self._close_listener()
                for sock in list(self._pairs):
                    self._drop(sock)

    def heal(self) -> None:
        with self._lock:
            self.is_cut = False
            if not self.udp and self._listener is None:
                self._open_listener()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        with self._lock:
            self._close_listener()
            for sock in list(self._pairs) + list(self._udp_clients):
                sock.close()
            self._pairs.clear()
            self._udp_clients.clear()
        self._sel.close()

    def __enter__(self) -> FlakyLink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------- plumbing ----------
    def _open_listener(self) -> None:
        kind = socket.SOCK_DGRAM if self.udp else socket.SOCK_STREAM
        sock = socket.socket(socket.AF_INET, kind)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        if not self.udp:
            sock.listen(64)
        sock.setblocking(False)
        self._listener = sock
        self._sel.register(sock, selectors.EVENT_READ)

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._sel.unregister(self._listener)
            self._listener.close()
            self._listener = None

    def _drop(self, sock: socket.socket) -> None:
        peer = self._pairs.pop(sock, None)
        for s in (sock, peer):
            if s is None:
                continue
            self._pairs.pop(s, None)
            try:
                self._sel.unregister(s)
            except (KeyError, ValueError):
                pass
            s.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._sel.select(0.05)
            except (OSError, ValueError):
                continue
            with self._lock:
                for key, _ in events:
                    sock = key.fileobj
                    assert isinstance(sock, socket.socket)
                    if sock.fileno() < 0:
                        continue
                    try:
                        self._service(sock)
                    except OSError:
                        if not self.udp:
                            self._drop(sock)

    def _service(self, sock: socket.socket) -> None:
        if self.udp:
            data, addr = sock.recvfrom(65535)
            if self.is_cut:
                return
            if sock is self._listener:
                upstream = self._udp_peers.get(addr)
                if upstream is None:
                    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    upstream.bind(("127.0.0.1", 0))
                    upstream.setblocking(False)
                    self._udp_peers[addr] = upstream
                    self._udp_clients[upstream] = addr
                    self._sel.register(upstream, selectors.EVENT_READ)
                upstream.sendto(data, self.target)
            elif self._listener is not None:
                self._listener.sendto(data, self._udp_clients[sock])
            return
        if sock is self._listener:
            client, _ = sock.accept()
            upstream = socket.create_connection(self.target, timeout=2)
            for s in (client, upstream):
                s.setblocking(True)
                s.settimeout(2)
                self._sel.register(s, selectors.EVENT_READ)
            self._pairs[client] = upstream
            self._pairs[upstream] = client
            return
        data = sock.recv(65536)
        if not data:
            self._drop(sock)
            return
        self._pairs[sock].sendall(data)
