"""Long-lived simulated devices (``calltriage lab device ...``): start one in the background, talk
to it over its control socket while it runs, stop it (without un-REGISTER unless asked).

    dev = start_device(lab, "alice", password, network=net)   # registered (or not: see dev.started)
    dev.request("reconnect")       # {"ok": true, "code": 200, ...}: REGISTER over the same connection
    dev.request("answer_mode", mode="reject", code=603)
    dev.stop()                     # leaves like a killed app: the contact stays in usrloc

State lives in ``<lab dir>/devices``: ``<user>.json`` (pid, socket, options; no secrets),
``<user>.sock`` (0600), ``<user>.log`` (the device's PJSIP log), ``<user>.pw`` (0600).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from calltriage_lab import unixsock
from calltriage_lab.clientnet import ClientNetwork, LabServer
from calltriage_lab.errors import AgentError, LabError
from calltriage_lab.netcmd import pid_alive

ANSWER_MODES = ("auto", "ring", "reject", "ignore")


class Device:
    """Client side of one running device's control socket."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name  # the device's name: its user's unless started with another
        self.state_path = folder / f"{name}.json"
        self.socket_path = folder / f"{name}.sock"
        self.log_path = folder / f"{name}.log"
        self.started: dict[str, Any] = {}

    @property
    def state(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.state_path.read_text()))
        except (OSError, ValueError):
            return {}

    def alive(self) -> bool:
        return pid_alive(self.state.get("pid"))

    def request(self, cmd: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        """One control request; the reply dict (``ok`` false with ``error`` when refused)."""
        if not self.alive():
            raise AgentError(f"device {self.name} is not running: `calltriage lab device start {self.name}`")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            try:
                unixsock.connect(sock, self.socket_path)
                sock.sendall((json.dumps({"id": 1, "cmd": cmd, **params}) + "\n").encode())
                data = b""
                while not data.endswith(b"\n"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except (OSError, TimeoutError) as exc:
                raise AgentError(f"device {self.name} did not answer {cmd!r}: {exc}") from None
        if not data.strip():
            if cmd == "quit":
                return {"ok": True}
            raise AgentError(f"device {self.name} closed the control socket; see {self.log_path}")
        return dict(json.loads(data.splitlines()[0]))

    def stop(self, *, unregister: bool = False) -> None:
        """Leave: un-REGISTER first only when asked (an app that is killed or loses its network
        leaves its contact behind)."""
        pid = self.state.get("pid")
        if self.alive():
            try:
                self.request("quit", 10, unregister=unregister)
            except AgentError:
                pass
            end = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < end:
                time.sleep(0.05)
        self.kill()

    def kill(self) -> None:
        """SIGKILL (the phone died): no un-REGISTER."""
        pid = self.state.get("pid")
        if pid and pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for path in (self.state_path, self.socket_path, self.folder / f"{self.name}.pw"):
            path.unlink(missing_ok=True)


def devices_folder(lab_dir: Path) -> Path:
    folder = Path(lab_dir) / "devices"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def start_device(lab: LabServer, user: str, password: str, *, network: ClientNetwork | None = None,
                 transport: str = "tls", port: int | None = None, answer: str = "auto",
                 reject_code: int = 486, expires: int = 300, user_agent: str = "PrivateGSM/3.1.0 (Android)",
                 ca_file: Path | None = None, verify_server: bool = True, timeout: float = 30.0,
                 retry_interval: int = 0, name: str | None = None) -> Device:
    """Start a device in the background and wait until its first REGISTER has an outcome.

    ``name`` (default: the user) tells two devices of one account apart (the callee on two
    phones); ``retry_interval`` > 0 makes it re-REGISTER on a new connection after a failure,
    as apps do."""
    if transport not in ("udp", "tcp", "tls"):
        raise LabError(f"unknown transport {transport!r}: use udp, tcp or tls")
    if answer not in ANSWER_MODES:
        raise LabError(f"unknown answer mode {answer!r}: use one of {', '.join(ANSWER_MODES)}")
    name = name or user
    if not name.replace("-", "").replace("_", "").isalnum():
        raise LabError(f"device name {name!r}: use letters, digits, - and _")
    folder = devices_folder(lab.dir)
    device = Device(folder, name)
    if device.alive():
        raise LabError(f"device {name} is already running: `calltriage lab device stop {name}` first")
    secret = folder / f"{name}.pw"
    secret.touch(mode=0o600)
    secret.chmod(0o600)
    secret.write_text(password)
    port = port or (lab.tls_port if transport == "tls" else lab.sip_port)
    host = network.server_host if network else "127.0.0.1"
    ca = ca_file or (Path(lab.dir) / "certs" / "ca.pem")
    argv = [sys.executable, "-m", "calltriage_lab.device_main", "--detached", "--log-file", str(device.log_path),
            "--control", str(device.socket_path), "--user", user, "--password-file", str(secret),
            "--host", host, "--port", str(port), "--transport", transport, "--expires", str(expires),
            "--answer", answer, "--reject-code", str(reject_code), "--user-agent", user_agent, "--ca-file", str(ca),
            "--retry-interval", str(retry_interval)]
    if not verify_server:
        argv.append("--no-verify")
    if network is not None:
        argv = network.device_command(argv)
    device.socket_path.unlink(missing_ok=True)
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    device.state_path.write_text(json.dumps({
        "name": name, "user": user, "pid": proc.pid, "network": network.name if network else None,
        "transport": transport, "host": host, "port": port, "answer": answer, "expires": expires,
        "user_agent": user_agent, "retry_interval": retry_interval,
        "socket": str(device.socket_path), "log": str(device.log_path)}, indent=2) + "\n")
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if device.socket_path.exists():
            try:
                events = device.request("events", 5)["events"]
            except AgentError:
                events = []
            started = [e for e in events if e.get("event") == "started"]
            if started:
                device.started = started[0]
                return device
        time.sleep(0.1)
    device.kill()
    raise AgentError(f"device {name} did not start within {timeout:.0f} s: see {device.log_path}")


def stop_all(lab_dir: Path) -> list[str]:
    """Kill every device of a lab (lab down): no un-REGISTER, the server is going away."""
    folder = Path(lab_dir) / "devices"
    stopped: list[str] = []
    if folder.is_dir():
        for state in folder.glob("*.json"):
            Device(folder, state.stem).kill()
            stopped.append(state.stem)
    return stopped
