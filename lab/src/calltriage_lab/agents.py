"""Simulated app users: one PJSIP (pjsua2) process per user, driven over stdin/stdout.

    with UserAgent(lab, "alice", "alice-pw", user_agent="PrivateGSM/3.1.0 (Android)") as alice:
        alice.register()                 # REGISTER over TLS, server certificate verified
        alice.call("+15550001").code     # 200 when bob's agent answered
        alice.vanish()                   # SIGKILL: no un-REGISTER, the contact goes stale

Each agent writes a PJSIP log (level 5, timestamped, with every SIP message sent and received)
to `agent.log_path`: real client logs for the log analyzer. This module does not import
pjsua2; only the agent processes do (python -m calltriage_lab.agent_main).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import queue
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from calltriage_lab.clientnet import ClientNetwork
from calltriage_lab.errors import AgentError, LabComponentMissing

Transport = Literal["udp", "tcp", "tls"]
AnswerMode = Literal["auto", "ring", "reject", "ignore"]
DEFAULT_USER_AGENT = "PrivateGSM/3.1.0 (Android)"


class SipServer(Protocol):
    """What an agent needs to know about the server (KamailioLab has all of it)."""

    @property
    def sip_port(self) -> int: ...
    @property
    def tls_port(self) -> int: ...
    @property
    def ca_file(self) -> Path: ...
    domain: str


def pjsua2_available() -> bool:
    return importlib.util.find_spec("pjsua2") is not None


@dataclass(frozen=True)
class RegResult:
    ok: bool
    code: int | None
    reason: str
    expires: int = 0


@dataclass(frozen=True)
class CallResult:
    code: int | None
    reason: str
    answered: bool
    timed_out: bool
    call_id: str = ""
    events: list[Any] = field(default_factory=list)


class UserAgent:
    """One simulated app user (a subprocess with its own PJSIP endpoint)."""

    def __init__(
        self,
        server: SipServer,
        user: str,
        password: str,
        *,
        transport: Transport = "tls",
        user_agent: str = DEFAULT_USER_AGENT,
        log_path: Path | None = None,
        verify_server: bool = True,
        port: int | None = None,
        network: ClientNetwork | None = None,
    ) -> None:
        self.server = server
        self.user = user
        self._password = password
        self.transport = transport
        self.user_agent = user_agent
        self.verify_server = verify_server
        self.port = port  # override, e.g. a FlakyLink in front of the server
        self.network = network  # run inside this client network's device namespace
        self.log_path = log_path or Path(tempfile.mkstemp(prefix=f"pjsip-{user}-", suffix=".log")[1])
        self.events: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._ids = itertools.count(1)
        self._reader: threading.Thread | None = None

    # ---------- process ----------
    def start(self, timeout: float = 10.0) -> UserAgent:
        if not pjsua2_available():
            raise LabComponentMissing(
                "pjsua2 not importable: run `make deps` (pip install 'pjsua2-python==2.15.1.post1')"
            )
        cmd = [sys.executable, "-m", "calltriage_lab.agent_main", "--log-file", str(self.log_path),
               "--user-agent", self.user_agent, "--ca-file", str(self.server.ca_file)]
        if not self.verify_server:
            cmd.append("--no-verify")
        if self.network is not None:
            cmd = self.network.device_command(cmd)
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, text=True, bufsize=1)
        assert self._proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True)
        self._reader.start()
        self._wait_reply(None, timeout)
        return self

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not ours (a library printing to stdout)
            if "id" in message or message.get("event") == "ready":
                self._replies.put(message)
            else:
                self.events.append(message)
        self._replies.put({"id": -1, "ok": False, "error": "agent process exited"})

    def _wait_reply(self, request_id: int | None, timeout: float) -> dict[str, Any]:
        while True:
            try:
                reply = self._replies.get(timeout=timeout)
            except queue.Empty:
                raise AgentError(f"agent {self.user} did not answer within {timeout:.0f} s") from None
            if reply.get("id") == -1:
                raise AgentError(f"agent {self.user} exited: see its PJSIP log {self.log_path}")
            if reply.get("id") == request_id:
                return reply

    def request(self, cmd: str, reply_timeout: float = 15.0, **params: Any) -> dict[str, Any]:
        if not self.alive():
            raise AgentError(f"agent {self.user} is not running: start() it first")
        assert self._proc is not None and self._proc.stdin is not None
        request_id = next(self._ids)
        self._proc.stdin.write(json.dumps({"id": request_id, "cmd": cmd, **params}) + "\n")
        self._proc.stdin.flush()
        return self._wait_reply(request_id, reply_timeout)

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ---------- what an app user does ----------
    def register(self, *, expires: int = 300, transport: Transport | None = None,
                 answer_mode: AnswerMode = "auto", timeout: float = 8.0) -> RegResult:
        """REGISTER (digest) through the server; calling it again refreshes the registration."""
        if not self.alive():
            self.start()
        transport = transport or self.transport
        port = self.port or (self.server.tls_port if transport == "tls" else self.server.sip_port)
        reply = self.request("register", timeout + 5, user=self.user, password=self._password,
                             domain=self.server.domain, port=port,
                             host=self.network.server_host if self.network else "127.0.0.1", transport=transport,
                             expires=expires, answer_mode=answer_mode, timeout=timeout)
        reason = reply.get("reason") or reply.get("error") or ""
        return RegResult(bool(reply.get("ok")), reply.get("code"), str(reason), int(reply.get("expires") or 0))

    refresh = register

    def unregister(self, timeout: float = 5.0) -> RegResult:
        reply = self.request("unregister", timeout + 5, timeout=timeout)
        return RegResult(bool(reply.get("ok")), reply.get("code"), str(reply.get("reason", "")))

    def call(self, target: str, *, timeout: float = 10.0, hold: float = 0.2) -> CallResult:
        """INVITE ``target`` (number, user or sip: URI); hang up after ``hold`` s when answered
        (hold < 0 keeps the call up); CANCEL after ``timeout`` s without a final answer."""
        reply = self.request("call", timeout + hold + 15, target=target, timeout=timeout, hold=hold)
        if "error" in reply:
            raise AgentError(f"agent {self.user}: {reply['error']}")
        return CallResult(reply.get("code"), str(reply.get("reason", "")), bool(reply.get("answered")),
                          bool(reply.get("timed_out")), str(reply.get("call_id", "")),
                          list(reply.get("events", [])))

    def answer_mode(self, mode: AnswerMode, code: int = 486) -> None:
        """How incoming calls are treated: auto (180+200), ring (180 only), reject (``code``,
        e.g. 488 for "everything healthy but calls fail"), ignore (no answer at all)."""
        self.request("answer_mode", mode=mode, code=code)

    def hangup(self) -> int:
        return int(self.request("hangup").get("hung_up", 0))

    def status(self) -> dict[str, Any]:
        return self.request("status")

    def pump(self, seconds: float) -> None:
        """Let the agent run (answer calls, refresh) for ``seconds``."""
        self.request("wait", seconds + 10, seconds=seconds)

    def quit(self, *, unregister: bool = True) -> None:
        """Orderly exit (un-REGISTER first unless told not to)."""
        if self.alive():
            try:
                self.request("quit", 10, unregister=unregister)
            except AgentError:
                pass
        self._reap()

    def vanish(self) -> None:
        """SIGKILL: the device is gone without un-REGISTER; its contact stays in usrloc."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
        self._reap()

    def _reap(self) -> None:
        if self._proc is None:
            return
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        if self._reader is not None:
            self._reader.join(2)

    close = vanish

    def __enter__(self) -> UserAgent:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.vanish()
