"""The lab appliance's HTTPS management console, reduced to its health page.

    python -m calltriage_lab.privateserver.console --port P --cert C --key K --jsonrpc URL \
        --db NAME --option-file F

GET /health (JSON) and GET / (HTML) over TLS with the lab's server certificate. Like the
appliance's own console self-test it exercises the voip engine (Kamailio's core.uptime over
JSON-RPC) and the application server's DB connection (a query on the accounts store): 200 with
`"status": "ok"` when both answer, 503 with `"status": "degraded"` otherwise.
"""

from __future__ import annotations

import argparse
import configparser
import html
import json
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pymysql

from calltriage_lab import rpc

VERSION = "calltriage-privateserver-lab 1.0"


class Health:
    def __init__(self, jsonrpc_url: str, database: str, option_file: str) -> None:
        self.jsonrpc_url = jsonrpc_url
        self.database = database
        client = configparser.ConfigParser()
        client.read(option_file)
        self.user = client["client"]["user"]
        self.password = client["client"]["password"]
        self.started = time.time()

    def engine(self) -> dict[str, Any]:
        try:
            uptime = rpc.call(self.jsonrpc_url, "core.uptime", timeout=0.8)
            version = rpc.call(self.jsonrpc_url, "core.version", timeout=0.8)
        except (OSError, rpc.RpcError) as exc:
            return {"status": "fail", "detail": f"voip engine does not answer: {type(exc).__name__}"}
        return {"status": "ok", "uptime_s": uptime.get("uptime"), "version": str(version).strip()}

    def database_check(self) -> dict[str, Any]:
        try:
            con = pymysql.connect(host="127.0.0.1", port=3306, user=self.user, password=self.password,
                                  database=self.database, connect_timeout=3, read_timeout=3)
            try:
                with con.cursor() as cur:
                    cur.execute("SELECT COUNT(*) FROM subscriber")
                    (accounts,) = cur.fetchone() or (0,)
            finally:
                con.close()
        except pymysql.MySQLError as exc:
            return {"status": "fail", "detail": f"accounts store: {exc.args[-1] if exc.args else exc}"}
        return {"status": "ok", "accounts": int(accounts)}

    def report(self) -> dict[str, Any]:
        checks = {"voip_engine": self.engine(), "database": self.database_check()}
        ok = all(c["status"] == "ok" for c in checks.values())
        return {"status": "ok" if ok else "degraded", "version": VERSION,
                "uptime_s": int(time.time() - self.started), "checks": checks}


def make_handler(health: Health) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PrivateServerLabConsole/1.0"

        def do_GET(self) -> None:
            if self.path not in ("/health", "/"):
                self._send(404, "text/plain", b"not found\n")
                return
            report = health.report()
            code = 200 if report["status"] == "ok" else 503
            if self.path == "/health":
                self._send(code, "application/json", json.dumps(report, indent=1).encode())
                return
            rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v['status'])}</td></tr>"
                           for k, v in report["checks"].items())
            page = (f"<!doctype html><title>PrivateServer lab console</title><h1>Health: "
                    f"{html.escape(report['status'])}</h1><table>{rows}</table>")
            self._send(code, "text/html; charset=utf-8", page.encode())

        def _send(self, code: int, ctype: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            print(f"{self.address_string()} {format % args}", flush=True)

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--jsonrpc", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--option-file", required=True)
    args = parser.parse_args(argv)
    health = Health(args.jsonrpc, args.db, args.option_file)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(health))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"console listening on https://127.0.0.1:{args.port}/health", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
