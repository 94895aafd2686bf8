"""Real `calltriage serve` and `calltriage worker` processes on one database, for the scale-out tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

CALLTRIAGE = str(Path(sys.executable).with_name("calltriage"))
SECRET = "scale-out-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def eventually(what: str, check: Callable[[], Any], timeout: float = 120.0) -> Any:
    """Wait for ``check()`` to return something truthy (the box is loaded: a generous deadline)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {timeout:g} s for {what}")
        time.sleep(0.1)


class Processes:
    """Starts processes in ``folder``; stops every one it started."""

    def __init__(self, db: str, folder: Path) -> None:
        self.db = db
        self.folder = folder
        self.started: list[subprocess.Popen[bytes]] = []
        self.env = {**os.environ, "CALLTRIAGE_SECRET_KEY": SECRET}
        self.env.pop("CALLTRIAGE_CONFIG", None)

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}.log").open("wb")
        proc = subprocess.Popen([CALLTRIAGE, "--db", self.db, *args], cwd=self.folder, env=self.env,
                                stdout=log, stderr=subprocess.STDOUT)
        self.started.append(proc)
        return proc

    def serve(self, name: str, *, worker: bool = False) -> str:
        port = free_port()
        proc = self._start(name, "serve", "--port", str(port), "--worker" if worker else "--no-worker")
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert proc.poll() is None, f"{name} exited: {self.log(name)}"
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        eventually(f"{name} to answer", up)
        return url

    def worker(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        proc = self._start(name, "worker", *args)
        eventually(f"{name} to start", lambda: "Triage worker" in self.log(name) or proc.poll() is not None)
        assert proc.poll() is None, f"{name} exited: {self.log(name)}"
        return proc

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@contextmanager
def processes(db: str, folder: Path) -> Iterator[Processes]:
    procs = Processes(db, folder)
    try:
        yield procs
    finally:
        procs.stop()


class Blackhole:
    """A TCP listener that accepts and never answers: a control interface frozen mid-request,
    so that a probe (and its job) stays busy until ``release``."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.held: list[socket.socket] = []
        self.accepted = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            self.accepted += 1

    def release(self) -> None:
        """Close everything: held requests end at once, new ones are refused."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the listener thread
        except OSError:
            pass
        self.sock.close()
        for conn in self.held:
            conn.close()
        self._thread.join(5)
