"""A minimal asyncio JSON-RPC-over-HTTP client for Kamailio's ``jsonrpcs`` + ``xhttp``.

Why not an HTTP library: the call is one small POST on loopback or a LAN, and Kamailio's
xhttp closes the connection after each reply without saying so (no ``Connection: close``;
perf-anchors §2.1), which confuses keep-alive pools. One request per connection, read to
EOF, is what the server does anyway; it also keeps ``ul.dump`` of 10k contacts (~5.8 MB)
cheap.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import select
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import orjson

_ids = itertools.count(1)
FIFO_REPLY_DIR = "/tmp"  # jsonrpcs' fifo_reply_dir default: replies are only written there


class RpcUnavailable(Exception):
    """The control interface did not answer (refused, timed out, not JSON-RPC)."""


class RpcFault(Exception):
    """A JSON-RPC ``error`` answer, e.g. ``ul.lookup`` of an AOR without contacts."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


class JsonRpcClient:
    def __init__(self, url: str, *, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        self.url = url
        self.host = parts.hostname or "127.0.0.1"
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.path = parts.path or "/"
        self.ssl_context = ssl_context if self.tls else None
        if self.tls and self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        self.fifo = parts.scheme == "fifo"

    async def call(self, method: str, *params: Any, timeout: float) -> Any:
        """The ``result`` of ``method``; ``RpcFault`` for an error answer, ``RpcUnavailable``
        when the interface does not answer within ``timeout`` seconds."""
        if self.fifo:
            raw = await asyncio.to_thread(_fifo_call, self.path, method, list(params), timeout, self.url)
            return _answer(raw, self.url, "FIFO reply")
        body = orjson.dumps({"jsonrpc": "2.0", "method": method, "params": list(params), "id": next(_ids)})
        head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.tls else None,
                )
                try:
                    writer.write(head + body)
                    await writer.drain()
                    raw = await reader.read()
                finally:
                    writer.close()
        except TimeoutError:
            raise RpcUnavailable(
                f"the control interface {self.url} did not answer within {timeout:g} s (server frozen or overloaded?)"
            ) from None
        except ConnectionRefusedError:
            raise RpcUnavailable(
                f"the control interface {self.url} refused the connection (is the SIP server running?)"
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise RpcUnavailable(f"the control interface {self.url} failed: {exc.__class__.__name__}") from None
        return _decode(raw, self.url)


def _decode(raw: bytes, url: str) -> Any:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        raise RpcUnavailable(f"{url} did not answer with HTTP (wrong URL?)")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            length = int(value.strip())
            if len(body) < length:
                raise RpcUnavailable(f"{url} sent a truncated answer ({len(body)} of {length} bytes)")
            body = body[:length]
    return _answer(body, url, status_line.strip())


def _answer(body: bytes, url: str, what: str) -> Any:
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RpcUnavailable(f"{url} did not answer with JSON-RPC ({what})") from None
    # jsonrpcs sends RPC-level errors ("AOR not found in location table") as HTTP 500 with a
    # JSON-RPC error object in the body: read the body, not the status.
    if isinstance(answer, dict) and "error" in answer:
        err = answer["error"] or {}
        raise RpcFault(int(err.get("code", 500)), str(err.get("message", "")))
    if not isinstance(answer, dict) or "result" not in answer:
        raise RpcUnavailable(f"{url} answered without a JSON-RPC result ({what})")
    return answer["result"]


def _fifo_call(fifo: str, method: str, params: list[Any], timeout: float, url: str) -> bytes:
    """JSON-RPC over the jsonrpcs FIFO (``fifo:///run/kamailio/kamailio_rpc.fifo``), for calltriage
    running on the SIP server itself. Kamailio 5.6's xhttp worker slows to ~2 s per ``ul.dump`` of
    10k contacts after its first large reply, the FIFO does not (docs/performance.md).

    The reply comes back on a FIFO we create in the module's ``fifo_reply_dir`` (default /tmp):
    ``reply_name`` must be a bare name, and Kamailio opens it O_WRONLY|O_NONBLOCK, so we must be
    reading before we send the request.
    """
    end = time.monotonic() + timeout
    name = f"calltriage_rpc_{os.getpid()}_{time.monotonic_ns()}"
    reply = os.path.join(FIFO_REPLY_DIR, name)
    os.mkfifo(reply, 0o622)
    os.chmod(reply, 0o622)  # a Kamailio running as its own user must be able to write it
    try:
        rfd = os.open(reply, os.O_RDONLY | os.O_NONBLOCK)
        try:
            request = orjson.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": next(_ids),
                                    "reply_name": name}) + b"\n"
            try:
                # O_NONBLOCK: with no Kamailio reading the FIFO, fail at once (ENXIO) instead of hanging.
                wfd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except FileNotFoundError:
                raise RpcUnavailable(f"the control FIFO {url} does not exist (is the SIP server running?)") from None
            except OSError:
                raise RpcUnavailable(f"nothing reads the control FIFO {url} (is the SIP server running?)") from None
            try:
                os.write(wfd, request)
            finally:
                os.close(wfd)
            chunks: list[bytes] = []
            started = False
            while (left := end - time.monotonic()) > 0:
                ready, _, _ = select.select([rfd], [], [], min(left, 0.2))
                if not ready:
                    continue
                chunk = os.read(rfd, 1 << 20)
                if chunk:
                    chunks.append(chunk)
                    started = True
                elif started:
                    return b"".join(chunks)  # Kamailio closed its end: the reply is complete
                else:
                    time.sleep(0.002)  # EOF before Kamailio opened its end: not yet
            raise RpcUnavailable(
                f"the control interface {url} did not answer within {timeout:g} s (server frozen or overloaded?)"
            )
        finally:
            os.close(rfd)
    finally:
        os.unlink(reply)
