"""`calltriage serve`: the desk and /api/v1 in one process (uvicorn)."""

from __future__ import annotations

import os

import typer
from fastapi import FastAPI

from calltriage.cli.common import GLOBALS, app_for, echo
from calltriage.services.context import build_app
from calltriage.web.app import create_app
from calltriage.web.settings import load_web_settings


def factory() -> FastAPI:
    """For `--workers N`: each uvicorn worker process builds its own app from the environment."""
    services = build_app(os.environ.get("CALLTRIAGE_DB"), os.environ.get("CALLTRIAGE_PLAYBOOKS"))
    return create_app(services, load_web_settings(services.store.url))


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    demo: bool = typer.Option(False, "--demo", help="Create demo operators and incidents (only where missing)."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes (one per core)."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn log level (info logs each request)."),
) -> None:
    """Run the web desk and the REST API (OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    services = app_for()
    settings = load_web_settings(services.store.url)
    if demo:
        from calltriage.web.demo import DEMO_OPERATORS, DEMO_PASSWORD, seed_demo

        created = seed_demo(services)
        echo(f"Demo: {created} new incidents. Log in as one of {', '.join(n for n, _ in DEMO_OPERATORS)} "
             f"with password {DEMO_PASSWORD!r} (L1, L2, L3, admin).")
    shown = f"[{host}]" if ":" in host else host
    echo(f"calltriage desk on http://{shown}:{port}/  ·  API http://{shown}:{port}/api/v1/openapi.json  "
         f"·  database {services.store.safe_url}")
    if not settings.webhooks.enabled:
        echo("Webhooks: off (set CALLTRIAGE_WEBHOOK_URLS to notify other systems on escalate/close).")
    if workers > 1:
        os.environ["CALLTRIAGE_DB"] = services.store.url
        if GLOBALS.playbooks:
            os.environ["CALLTRIAGE_PLAYBOOKS"] = GLOBALS.playbooks
        services.close()
        uvicorn.run("calltriage.web.cli:factory", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, proxy_headers=True)
        return
    uvicorn.run(create_app(services, settings), host=host, port=port, log_level=log_level, proxy_headers=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
