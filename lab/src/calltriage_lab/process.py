"""Running one Kamailio process tree: command line, readiness, stop, freeze.

Kamailio forks ~16 processes. It runs in its own session (process group = main PID) so the
whole tree can be signalled at once: when a child fails its init (DB unreachable, bad URL) the
main process hangs instead of exiting, and only killing the group cleans up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import IO

from calltriage_lab import rpc
from calltriage_lab.errors import LabComponentMissing, LabStartError

APT_HINT = (
    "run `make deps` (apt-get install kamailio kamailio-tls-modules kamailio-sqlite-modules)"
)


def kamailio_binary() -> str:
    # /usr/sbin is not on a non-root user's PATH on Debian
    path = shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin:/usr/local/sbin")
    if not path:
        raise LabComponentMissing(f"kamailio not found: {APT_HINT}")
    return path


def config_path() -> Path:
    return Path(str(resources.files("calltriage_lab").joinpath("kamailio.cfg")))


@dataclass(frozen=True)
class Launch:
    """Everything instance-specific, passed to the static kamailio.cfg as defines."""

    directory: Path
    sip_port: int
    tls_port: int
    http_port: int
    db_path: Path
    tls_cfg: Path
    domain: str
    defines: tuple[str, ...] = ()
    shm_mb: int = 128
    pkg_mb: int = 16

    @property
    def run_dir(self) -> Path:
        return self.directory / "run"

    def command(self) -> list[str]:
        db_url = f"sqlite:///{self.db_path}"  # absolute path -> four slashes, as db_sqlite needs
        defines = [
            f"SIP_PORT={self.sip_port}",
            f"TLS_PORT={self.tls_port}",
            f"HTTP_PORT={self.http_port}",
            f'SIP_DOMAIN="{self.domain}"',
            f'DBURL="{db_url}"',
            f'SQLCON="ca=>{db_url}"',
            f'TLSCFG="{self.tls_cfg}"',
            f'CTLSOCK="unix:{self.run_dir}/kamailio_ctl"',
            *self.defines,
        ]
        cmd = [
            kamailio_binary(), "-f", str(config_path()), "-DD", "-E",
            "-Y", str(self.run_dir), "-P", str(self.run_dir / "kamailio.pid"),
            "-m", str(self.shm_mb), "-M", str(self.pkg_mb), "-w", str(self.directory),
        ]
        for define in defines:
            cmd += ["-A", define]
        return cmd


class KamailioProcess:
    """One running (or stopped) Kamailio tree."""

    def __init__(self, launch: Launch, log_path: Path) -> None:
        self.launch = launch
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.frozen = False
        self.was_frozen = False
        self._log: IO[bytes] | None = None
        self._attached_pid: int | None = None

    @classmethod
    def attach(cls, launch: Launch, log_path: Path, pid: int) -> KamailioProcess:
        """Control a tree started by another process (`calltriage lab up`) by its PID."""
        process = cls(launch, log_path)
        process._attached_pid = pid
        return process

    def detach(self) -> int:
        """Leave the tree running after this Python process exits; return its PID."""
        assert self.proc is not None
        pid = self.proc.pid
        self._attached_pid = pid
        # forget the Popen: its finaliser would warn about a still-running child
        self.proc.returncode = 0
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.launch.http_port}/RPC"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else self._attached_pid

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        if self._attached_pid is None:
            return False
        try:
            # reap it if it is our own child (detached by `lab up` run in this process)
            if os.waitpid(self._attached_pid, os.WNOHANG)[0] == self._attached_pid:
                return False
        except ChildProcessError:
            pass
        try:
            os.kill(self._attached_pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def start(self, timeout: float = 10.0) -> float:
        """Start and wait until JSON-RPC answers; return the seconds it took."""
        self.launch.run_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.launch.command(), stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
            cwd=self.launch.directory,  # the config's relative import_file paths resolve here
        )
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                self.stop()
                raise LabStartError(
                    f"kamailio exited with code {self.proc.returncode} at start: see {self.log_path}"
                )
            try:
                rpc.call(self.url, "core.uptime", timeout=0.5)
                return time.monotonic() - t0
            except (OSError, rpc.RpcError):
                time.sleep(0.03)
        self.stop()
        raise LabStartError(f"kamailio did not answer JSON-RPC within {timeout:.0f} s: see {self.log_path}")

    def _signal_group(self, sig: signal.Signals) -> None:
        pid = self.pid
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def freeze(self) -> None:
        """SIGSTOP the whole tree: sockets stay open, nothing answers (a hung server)."""
        self._signal_group(signal.SIGSTOP)
        self.frozen = True
        self.was_frozen = True

    def thaw(self) -> None:
        self._signal_group(signal.SIGCONT)
        self.frozen = False

    def stop(self, timeout: float = 5.0) -> None:
        """Orderly SIGTERM (the main process stops its children), then SIGKILL the group."""
        if self.proc is None and self._attached_pid is not None:
            self._stop_attached(timeout)
        if self.proc is not None:
            if self.was_frozen:
                # After SIGSTOP/SIGCONT Kamailio's shutdown waits out its timers (seen: 5 s); a lab
                # that was frozen has nothing to save, so give it a short grace before SIGKILL.
                timeout = min(timeout, 0.5)
            if self.frozen:
                self.thaw()  # a stopped process cannot act on SIGTERM
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    pass
            # children that outlived the main process (failed init, crash) go with the group
            self._signal_group(signal.SIGKILL)
            self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _stop_attached(self, timeout: float) -> None:
        pid = self._attached_pid
        assert pid is not None
        self.thaw()
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end = time.monotonic() + timeout
        while self.running() and time.monotonic() < end:
            time.sleep(0.05)
        self._signal_group(signal.SIGKILL)
        self._attached_pid = None

    def bind_failed(self, log_offset: int) -> bool:
        """Did the last start fail because a port was taken (free ports are racy)?"""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(log_offset)
                return b"Address already in use" in log.read()
        except OSError:
            return False
