"""Templates of the desk: one Jinja environment, the common page context, HTML error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from calltriage.web.security import FLASH_COOKIE
from calltriage.web.state import state

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _when(value: str | None) -> str:
    """'2026-11-25T18:06:38.326Z' -> '2026-11-25 18:06' (UTC: operators work across time zones)."""
    return (value or "")[:16].replace("T", " ")


def _clock(value: str | None) -> str:
    """'2026-11-25T18:06:38.326Z' -> '18:06:38'."""
    return (value or "")[11:19]


def _ago(value: str | None) -> str:
    if not value:
        return ""
    try:
        then = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    seconds = int((datetime.now(UTC) - then).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def _raw_svg(value: str | None) -> Markup:
    # Only SVG produced by our own `dot` run or charts module reaches this filter.
    return Markup(value or "")


templates.env.filters["when"] = _when
templates.env.filters["ago"] = _ago
templates.env.filters["clock"] = _clock
templates.env.filters["svg"] = _raw_svg


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    ct = state(request)
    ctx: dict[str, Any] = {"operator": getattr(request.state, "operator", None),
                           "csrf": ct.security.csrf_token(request), "flash": ct.security.read_flash(request),
                           **(context or {})}
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    ct.security.finish(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(request: Request, url: str, message: str | None = None, level: str = "info") -> Response:
    response = RedirectResponse(url, status_code=303)
    if message:
        state(request).security.flash(response, message, level)
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {401: "Not logged in", 403: "Not allowed", 404: "Not found", 409: "Changed meanwhile",
              422: "Invalid input", 500: "Server error"}
    return page(request, "error.html", {"status": status, "title": titles.get(status, "Error"),
                                        "message": message}, status=status)
