"""A simulated device that lives like an app: registers at start, keeps its connection, answers
requests on a unix control socket while it runs (``calltriage lab device ...``).

Same JSON-lines protocol as the agent (calltriage_lab.agent_main), over
``<lab dir>/devices/<user>.sock`` as well as stdin; each connection may send any number of
requests and gets one reply line per request. Additions for the device:
``reconnect`` (re-REGISTER over the same connection: the app's "force manual reconnection"),
``events`` (the asynchronous events seen so far, ``since`` an index). Leaving (``quit``, SIGTERM,
controller gone) does not un-REGISTER unless ``quit`` says ``"unregister": true``.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from calltriage_lab import unixsock
from calltriage_lab.agent_main import Agent


class Device(Agent):
    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.history: list[dict[str, Any]] = []
        self.clients: dict[socket.socket, bytes] = {}
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = Path(args.control)
        path.unlink(missing_ok=True)
        unixsock.bind(self.listener, path)
        os.chmod(path, 0o600)
        self.listener.listen(8)
        self.listener.setblocking(False)

    def emit(self, message: dict[str, Any]) -> None:
        if "id" not in message:
            self.history.append(message)
        try:
            super().emit(message)
        except (BrokenPipeError, ValueError):
            pass  # nobody reads stdout (daemon): the socket clients ask

    def cmd_reconnect(self, req: dict[str, Any]) -> dict[str, Any]:
        """The app's "force manual reconnection": REGISTER again over the connection it has."""
        self._account()
        return self.cmd_register(req)

    def cmd_events(self, req: dict[str, Any]) -> dict[str, Any]:
        since = int(req.get("since", 0))
        return {"ok": True, "events": self.history[since:], "next": len(self.history)}

    def cmd_quit(self, req: dict[str, Any]) -> dict[str, Any]:
        req = {**req, "unregister": bool(req.get("unregister", False))}
        for client in list(self.clients):
            self._send(client, {"id": req.get("id"), "ok": True})
        return super().cmd_quit(req)

    def _send(self, client: socket.socket, message: dict[str, Any]) -> None:
        try:
            client.sendall((json.dumps(message) + "\n").encode())
        except OSError:
            self._drop(client)

    def _drop(self, client: socket.socket) -> None:
        self.clients.pop(client, None)
        client.close()

    def _serve_sockets(self) -> None:
        ready, _, _ = select.select([self.listener, *self.clients], [], [], 0)
        for sock in ready:
            if sock is self.listener:
                client, _ = self.listener.accept()
                self.clients[client] = b""
                continue
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                self._drop(sock)
                continue
            *lines, self.clients[sock] = (self.clients[sock] + chunk).split(b"\n")
            for line in lines:
                if not line.strip():
                    continue
                request = json.loads(line)
                reply = self.handle(request)
                reply["id"] = request.get("id")
                self._send(sock, reply)

    def start_registered(self) -> None:
        password = Path(self.args.password_file).read_text().strip()
        reply = self.handle({"cmd": "register", "user": self.args.user, "password": password,
                             "domain": self.args.domain, "host": self.args.host, "port": self.args.port,
                             "transport": self.args.transport, "expires": self.args.expires,
                             "answer_mode": self.args.answer, "timeout": self.args.timeout,
                             "retry_interval": self.args.retry_interval})
        if self.account is not None:
            self.account.reject_code = self.args.reject_code
        self.emit({"event": "started", **{k: v for k, v in reply.items() if k != "ok"}, "registered": reply["ok"]})

    def serve(self) -> None:
        self.emit({"event": "ready", "pid": os.getpid()})
        self.start_registered()
        stdin_open = not self.args.detached
        while True:
            if stdin_open:
                try:
                    for line in self.read_lines():
                        request = json.loads(line)
                        reply = self.handle(request)
                        reply["id"] = request.get("id")
                        self.emit(reply)
                except EOFError:
                    stdin_open = False  # a controller that leaves does not end the device
            self._serve_sockets()
            self.pump(10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log-file", required=True)
    ap.add_argument("--control", required=True, help="unix socket path for control requests")
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--domain", default="lab.test")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--transport", choices=("udp", "tcp", "tls"), default="tls")
    ap.add_argument("--expires", type=int, default=300)
    ap.add_argument("--answer", choices=("auto", "ring", "reject", "ignore"), default="auto")
    ap.add_argument("--reject-code", type=int, default=486)
    ap.add_argument("--timeout", type=float, default=8.0)
    ap.add_argument("--retry-interval", type=int, default=0, help="re-REGISTER every N s after a failure")
    ap.add_argument("--user-agent", default="PrivateGSM/3.1.0 (Android)")
    ap.add_argument("--ca-file")
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--detached", action="store_true", help="no controller on stdin")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # like a killed app: no un-REGISTER
    if args.detached:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    Device(args).serve()


if __name__ == "__main__":
    main()
