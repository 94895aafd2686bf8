"""The one error boundary of the web app: a fixed JSON shape under /api, HTML pages on the desk.

Every API error, ours or the framework's (validation, unknown route, wrong method), is
``{"error": {"code": str, "message": str, "status": int}}`` (pinned by tests/web/test_errors.py).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from calltriage.errors import CalltriageError, TooManyRequests
from calltriage.web.deps import LoginRequired
from calltriage.web.jsonresp import JSONResponse

log = logging.getLogger("calltriage.web")

HTTP_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
              405: "method-not-allowed", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
              422: "validation", 429: "too-many-requests"}
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "status"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}},
    }},
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def _respond(request: Request, status: int, code: str, message: str,
             headers: dict[str, str] | None = None) -> Response:
    if is_api(request):
        return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)
    from calltriage.web.desk.render import error_page

    shown = error_page(request, status, message)
    shown.headers.update(headers or {})
    return shown


def _validation_message(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(problems) + ": fix the request as described in /api/v1/openapi.json"


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return _respond(request, 401, "unauthorized", "log in first")
        if exc.form is not None:
            # A form sent after the session ended: log in here, then send it again (nothing typed is lost).
            from calltriage.web.desk.auth import login_to_resume

            return login_to_resume(request, request.url.path, exc.form)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(CalltriageError)
    async def _ours(request: Request, exc: CalltriageError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 and is_api(request) else None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        return _respond(request, exc.http_status, exc.code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _respond(request, 422, "validation", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "http-error")
        message = {404: "no such page or endpoint: see /api/v1/openapi.json for the API",
                   405: "this method is not allowed here: see /api/v1/openapi.json for the API"}.get(
            exc.status_code, str(exc.detail))
        return _respond(request, exc.status_code, code, message, dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _respond(request, 500, "internal", "unexpected server error: the server log has the details")
