"""Request body limits, enforced before a handler reads anything.

Every route accepts a small JSON or form body, except the desk's client-log upload. Limits by path:

* ``/login``: ``LOGIN_BYTES`` (a name and a password);
* ``/incidents/{id}/attachments``: ``UPLOAD_BYTES`` (a client log of at most 20 MiB, as
  `calltriage incident attach` takes, plus the form's framing);
* everything else: ``DEFAULT_BYTES`` (notes and summaries are at most 10,000 characters).

A request that declares a larger ``Content-Length`` gets 413 at once, unread; one that sends a
body without a length (chunked) is counted as it arrives and answered 413 as soon as it passes
the limit, so at most one limit's worth is ever held. The answer is one line: JSON in the API's
error shape under ``/api/``, plain text elsewhere.
"""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_BYTES = 256 * 1024
LOGIN_BYTES = 8 * 1024
UPLOAD_BYTES = 20 * 1024 * 1024 + 64 * 1024
ROUTE_LIMITS = {"/login": LOGIN_BYTES}
_UPLOAD = re.compile(r"^/incidents/\d{1,10}/attachments$")


def limit_for(path: str) -> int:
    if _UPLOAD.match(path):
        return UPLOAD_BYTES
    return ROUTE_LIMITS.get(path, DEFAULT_BYTES)


class BodyLimit:
    """Plain ASGI middleware: 413 for bodies over the route's limit, without reading them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = limit_for(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send, path, limit)
            return
        received = 0
        answered = False

        async def counted() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not answered:
                    answered = True
                    await _too_large(send, path, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not answered:  # the handler's own answer, unless 413 went out already
                await send(message)

        await self.app(scope, counted, guarded_send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, path: str, limit: int) -> None:
    message = (f"request body is over the {limit // 1024} KiB limit of {path}: send less "
               "(client logs go through `calltriage incident attach`)")
    if path.startswith("/api/"):
        body = json.dumps({"error": {"code": "too-large", "message": message, "status": 413}}).encode()
        kind = b"application/json"
    else:
        body, kind = (message + "\n").encode(), b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
