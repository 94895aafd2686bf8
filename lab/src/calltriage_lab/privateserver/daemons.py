"""A helper process of the lab appliance (NRPE, the console): started in its own session so its
whole group can be stopped, detachable for `calltriage lab up`, re-attachable by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from calltriage_lab.errors import LabStartError


class Daemon:
    def __init__(self, name: str, log_path: Path, pid: int | None = None) -> None:
        self.name = name
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self._pid = pid

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else self._pid

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        if self._pid is None:
            return False
        try:
            if os.waitpid(self._pid, os.WNOHANG)[0] == self._pid:
                return False
        except ChildProcessError:
            pass
        try:
            os.kill(self._pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def start(self, command: list[str], ready: Callable[[], bool], timeout: float = 10.0) -> None:
        """Start ``command`` and wait until ``ready()`` (or fail with the log's path)."""
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise LabStartError(f"{self.name} exited with code {code} at start: see {self.log_path}")
            if ready():
                return
            time.sleep(0.05)
        self.stop()
        raise LabStartError(f"{self.name} did not become ready within {timeout:.0f} s: see {self.log_path}")

    def detach(self) -> int:
        assert self.proc is not None
        pid = self.proc.pid
        self.proc.returncode = 0  # forget the Popen: its finaliser would warn about a live child
        self.proc = None
        self._pid = pid
        return pid

    def stop(self, timeout: float = 5.0) -> None:
        pid = self.pid
        if pid is None:
            return
        try:
            os.killpg(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
        end = time.monotonic() + timeout
        while self.running() and time.monotonic() < end:
            time.sleep(0.05)
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc is not None:
            self.proc.wait()
        self.proc = None
        self._pid = None
