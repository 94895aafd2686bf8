"""Templates of the desk: one Jinja environment, the common page context, HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from calltriage.web.desk.render_filters import ago, clock, when
from calltriage.web.desk.rows import incident_rows
from calltriage.web.security import FLASH_COOKIE
from calltriage.web.state import state

HERE = Path(__file__).parent
# (path, label, admin only): the header menu; pages of other modules add their entry here.
NAV: list[tuple[str, str, bool]] = [
    ("/queue/mine", "Queues", False),
    ("/incidents/new", "New incident", False),
    ("/majors", "Major incidents", False),
    ("/reports", "Reports", False),
    ("/admin", "Admin", True),
]
templates = Jinja2Templates(directory=str(HERE / "templates"))
# Templates are part of the installed package: compile each once, never stat the files again.
templates.env.auto_reload = False


def _raw_svg(value: str | None) -> Markup:
    # Only SVG produced by our own `dot` run or charts module reaches this filter.
    return Markup(value or "")


templates.env.filters["when"] = when
templates.env.filters["ago"] = ago
templates.env.filters["clock"] = clock
templates.env.filters["rows"] = incident_rows
templates.env.filters["svg"] = _raw_svg


def page(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200) -> Response:
    ct = state(request)
    ctx: dict[str, Any] = {"operator": getattr(request.state, "operator", None),
                           "csrf": ct.security.csrf_token(request), "flash": ct.security.read_flash(request),
                           "nav": NAV, "path": request.url.path,
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
