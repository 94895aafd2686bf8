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
import ssl
from typing import Any
from urllib.parse import urlsplit

import orjson

_ids = itertools.count(1)


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

    async def call(self, method: str, *params: Any, timeout: float) -> Any:
        """The ``result`` of ``method``; ``RpcFault`` for an error answer, ``RpcUnavailable``
        when the interface does not answer within ``timeout`` seconds."""
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
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RpcUnavailable(f"{url} did not answer with JSON-RPC ({status_line.strip()})") from None
    # jsonrpcs sends RPC-level errors ("AOR not found in location table") as HTTP 500 with a
    # JSON-RPC error object in the body: read the body, not the status.
    if isinstance(answer, dict) and "error" in answer:
        err = answer["error"] or {}
        raise RpcFault(int(err.get("code", 500)), str(err.get("message", "")))
    if not isinstance(answer, dict) or "result" not in answer:
        raise RpcUnavailable(f"{url} answered without a JSON-RPC result ({status_line.strip()})")
    return answer["result"]
