"""The FastAPI app factory: the desk and /api/v1 in one process, on the shared services.

Nothing is built at import time: ``create_app(services, settings)`` is called by
`calltriage serve`, the tests and the benchmark, each with their own database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calltriage import __version__
from calltriage.services.context import App
from calltriage.services.jobs import TriageJobs
from calltriage.services.login_throttle import LoginThrottle
from calltriage.services.operators import OperatorService
from calltriage.services.sessions import EndedSessions
from calltriage.services.webhooks import Dispatcher, WebhookService
from calltriage.web import api, desk, errors
from calltriage.web.desk.render import HERE
from calltriage.web.graph import GraphCache
from calltriage.web.jsonresp import JSONResponse
from calltriage.web.limits import BodyLimit
from calltriage.web.security import Security
from calltriage.web.settings import WebSettings
from calltriage.web.state import WebState

if TYPE_CHECKING:
    from calltriage.config import ServerSettings

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    # Inline SVG needs no script; the only script is /static/desk.js.
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                 b"script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
]


class SecurityHeaders:
    """Plain ASGI middleware (BaseHTTPMiddleware would cost ~20 % of a small request's time)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def default_jobs(services: App, server: ServerSettings | None, *, workers: int = 2) -> TriageJobs:
    """Probe jobs against ``server`` (``Settings.server_settings()``; None: checks stay questions),
    run by an embedded worker of ``workers`` threads (0: only `calltriage worker` processes run them)."""
    return TriageJobs(services.incidents, server, workers=workers)


def create_app(services: App, settings: WebSettings, *, webhooks: WebhookService | None = None,
               operators: OperatorService | None = None, jobs: TriageJobs | None = None) -> FastAPI:
    """The app on ``services``; ``jobs`` default: queued and run here, with no SIP server to probe."""
    hooks = webhooks or WebhookService(services.store, settings.webhooks)
    ct = WebState(
        services=services,
        operators=operators or OperatorService(services.store),
        webhooks=hooks,
        dispatcher=Dispatcher(hooks),
        settings=settings,
        security=Security(settings.secret_key, session_hours=settings.session_hours, secure=settings.secure_cookies),
        graphs=GraphCache(),
        throttle=LoginThrottle(services.store),
        sessions=EndedSessions(services.store),
        jobs=jobs or default_jobs(services, None),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ct.dispatcher.start()
        ct.jobs.start()
        try:
            yield
        finally:
            ct.dispatcher.stop()
            ct.jobs.close()

    app = FastAPI(
        title="calltriage",
        version=__version__,
        description="Troubleshooting desk for secure-VoIP support teams. Authenticate with "
                    "`Authorization: Bearer <token>` (`calltriage user token NAME`). Every error has the shape "
                    '`{"error": {"code", "message", "status"}}`.',
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN, which operators' browsers may not reach
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSONResponse,
    )
    app.state.ct = ct
    errors.install(app)
    app.include_router(api.router())
    app.include_router(desk.router())
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        # No database access: the benchmark's baseline for the framework's own cost.
        return {"ok": True}

    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app
