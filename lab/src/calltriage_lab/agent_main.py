"""One simulated app user: a pjsua2 (PJSIP) process driven by JSON lines on stdin/stdout.

Run by calltriage_lab.agents.UserAgent (`python -m calltriage_lab.agent_main ...`). One pjsua2
Endpoint per process (pjsua2 allows only one) and one account per process: two accounts in one
process share a transport and a forked INVITE reaching both is rejected as merged (482).
PJSIP runs without threads (threadCnt=0, mainThreadOnly); this loop pumps libHandleEvents.

Protocol: each request line {"id": N, "cmd": ..., ...} gets exactly one reply line
{"id": N, "ok": true|false, ...}; lines without "id" are events ({"event": "incoming", ...}).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import select
import sys
import time
from typing import Any

import pjsua2 as pj

from calltriage_lab.agent_ua import AgentAccount, new_endpoint


class CommandError(Exception):
    """A request the agent cannot serve in its current state."""


class Agent:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ep = new_endpoint(args.log_file, args.user_agent, args.ca_file, not args.no_verify)
        self.account: AgentAccount | None = None
        self.buffer = b""

    # ---------- io ----------
    def emit(self, message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def pump(self, ms: int = 10) -> None:
        self.ep.libHandleEvents(ms)
        if self.account:
            for event in self.account.drain_events():
                self.emit(event)

    def wait_for(self, predicate: Any, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            self.pump(10)
        return bool(predicate())

    def read_lines(self) -> list[str]:
        ready, _, _ = select.select([0], [], [], 0)
        if not ready:
            return []
        chunk = os.read(0, 65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [line.decode() for line in lines if line.strip()]

    # ---------- commands ----------
    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = request.get("cmd")
        handler = getattr(self, f"cmd_{cmd}", None)
        if handler is None:
            return {"ok": False, "error": f"unknown command {cmd!r}"}
        try:
            result: dict[str, Any] = handler(request)
        except pj.Error as exc:
            return {"ok": False, "error": f"pjsua2: {exc.info()}"}
        except (CommandError, KeyError, ValueError) as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        return result

    def _account(self) -> AgentAccount:
        if self.account is None:
            raise CommandError("register first")
        return self.account

    def cmd_register(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.account is None:
            self.account = AgentAccount(
                user=req["user"], password=req["password"], domain=req.get("domain", "lab.test"),
                host=req.get("host", "127.0.0.1"), port=int(req["port"]),
                transport=req.get("transport", "tls"), expires=int(req.get("expires", 300)),
                retry_interval=int(req.get("retry_interval", 0)),
            )
            self.account.answer_mode = req.get("answer_mode", "auto")
        else:
            self.account.reg_code = None
            self.account.setRegistration(True)
        acc = self.account
        done = self.wait_for(lambda: acc.reg_code is not None, float(req.get("timeout", 8)))
        if not done:
            return {"ok": False, "code": None, "reason": "agent timeout"}
        return {"ok": acc.reg_code == 200, "code": acc.reg_code, "reason": acc.reg_reason,
                "expires": acc.reg_expires}

    def cmd_unregister(self, req: dict[str, Any]) -> dict[str, Any]:
        acc = self._account()
        acc.reg_code = None
        acc.setRegistration(False)
        done = self.wait_for(lambda: acc.reg_code is not None, float(req.get("timeout", 5)))
        return {"ok": done and acc.reg_code == 200, "code": acc.reg_code, "reason": acc.reg_reason}

    def cmd_answer_mode(self, req: dict[str, Any]) -> dict[str, Any]:
        acc = self._account()
        acc.answer_mode = req["mode"]
        acc.reject_code = int(req.get("code", 486))
        return {"ok": True}

    def cmd_call(self, req: dict[str, Any]) -> dict[str, Any]:
        acc = self._account()
        call = acc.place_call(req["target"])
        finished = self.wait_for(call.finished, float(req.get("timeout", 10)))
        result = call.summary()
        result["timed_out"] = not finished
        if call.confirmed():
            hold = float(req.get("hold", 0.2))
            if hold >= 0:
                self.wait_for(lambda: False, hold)
                call.hangup(pj.CallOpParam())
                self.wait_for(call.disconnected, 5)
        elif not finished:
            try:
                call.hangup(pj.CallOpParam())  # CANCEL: the app gives up
            except pj.Error:
                pass
            self.wait_for(call.disconnected, 3)
        result["ok"] = result["code"] == 200
        return result

    def cmd_hangup(self, req: dict[str, Any]) -> dict[str, Any]:
        count = self._account().hangup_all()
        self.wait_for(lambda: not self._account().active_calls(), 5)
        return {"ok": True, "hung_up": count}

    def cmd_status(self, req: dict[str, Any]) -> dict[str, Any]:
        acc = self.account
        if acc is None:
            return {"ok": True, "registered": False}
        return {"ok": True, "registered": acc.reg_code == 200 and acc.reg_expires > 0,
                "code": acc.reg_code, "reason": acc.reg_reason, "expires": acc.reg_expires,
                "calls": [c.summary() for c in acc.calls]}

    def cmd_wait(self, req: dict[str, Any]) -> dict[str, Any]:
        self.wait_for(lambda: False, float(req.get("seconds", 0.1)))
        return {"ok": True}

    def cmd_quit(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.account and req.get("unregister", True) and self.account.reg_code == 200:
            self.cmd_unregister({"timeout": 2})
        self.emit({"id": req.get("id"), "ok": True})
        # libDestroy() costs ~1 s. PJLIB writes its log file through stdio, so flush every C stream
        # (fflush(NULL)) before the fast exit, or the last lines of the app's log are lost.
        ctypes.CDLL(None).fflush(None)
        os._exit(0)

    def serve(self) -> None:
        self.emit({"event": "ready", "pid": os.getpid()})
        while True:
            try:
                lines = self.read_lines()
            except EOFError:
                os._exit(0)  # controller gone: leave like a killed app (no un-REGISTER)
            for line in lines:
                request = json.loads(line)
                reply = self.handle(request)
                reply["id"] = request.get("id")
                self.emit(reply)
            self.pump(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log-file", required=True)
    ap.add_argument("--user-agent", default="PrivateGSM/3.1.0 (Android)")
    ap.add_argument("--ca-file")
    ap.add_argument("--no-verify", action="store_true", help="don't verify the server certificate")
    Agent(ap.parse_args()).serve()


if __name__ == "__main__":
    main()
