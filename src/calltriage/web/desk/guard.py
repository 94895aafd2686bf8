"""CSRF protection for every desk form (a dependency of each POST route)."""

from __future__ import annotations

from fastapi import Request

from calltriage.errors import Forbidden
from calltriage.web.security import CSRF_FIELD
from calltriage.web.state import state


async def csrf_protect(request: Request) -> None:
    form = await request.form()  # Starlette caches the parsed form for the route's own Form fields
    token = form.get(CSRF_FIELD)
    if not state(request).security.csrf_ok(request, token if isinstance(token, str) else None):
        raise Forbidden("this form expired or came from another site: reload the page and send it again")


def local_path(target: str | None, default: str = "/") -> str:
    """Only same-site paths after login: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
