"""`calltriage serve`: the desk and /api/v1 in one process (uvicorn)."""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import typer
from fastapi import FastAPI

from calltriage.cli.common import GLOBALS, app_for, echo
from calltriage.services.context import build_app
from calltriage.web.app import create_app
from calltriage.web.settings import load_web_settings


def factory() -> FastAPI:
    """For `--workers N`: each uvicorn worker process builds its own app (its own Store and
    connection pool, probe jobs, webhook thread) from the environment, after the fork/spawn:
    connections and threads made in the parent must never be shared with a worker."""
    services = build_app(os.environ.get("CALLTRIAGE_DB"), os.environ.get("CALLTRIAGE_PLAYBOOKS"))
    return create_app(services, load_web_settings(services.store.url))


def _server_options() -> dict[str, Any]:
    """uvloop and httptools when installed (pinned in pyproject; about twice the requests per
    second of asyncio + h11 for small responses), the pure-Python fallbacks otherwise."""
    options: dict[str, Any] = {}
    for key, module in (("loop", "uvloop"), ("http", "httptools")):
        if importlib.util.find_spec(module) is not None:
            options[key] = module
    return options


def probe_notice() -> str:
    """What `serve` says about probes: which SIP server they ask, or how to configure one."""
    from calltriage.services.triage import load_settings

    settings = load_settings(None)
    if settings is None:
        return ("Probes: no SIP server configured, so every check stays a question. Set CALLTRIAGE_CONFIG to a "
                "server config (`calltriage lab up` writes one: .lab/calltriage-lab.toml).")
    s = settings.server
    return (f"Probes: ask {s.domain} at {s.host} (TLS {s.tls_port}"
            f"{', JSON-RPC ' + s.jsonrpc_url if s.jsonrpc_url else ''}) from {settings.source or 'the environment'}.")


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
    notice = probe_notice()  # a broken CALLTRIAGE_CONFIG stops here, with the setting to fix
    if demo:
        from calltriage.web.demo import DEMO_OPERATORS, DEMO_PASSWORD, seed_demo

        created = seed_demo(services)
        echo(f"Demo: {created} new incidents. Log in as one of {', '.join(n for n, _ in DEMO_OPERATORS)} "
             f"with password {DEMO_PASSWORD!r} (L1, L2, L3, admin).")
    shown = f"[{host}]" if ":" in host else host
    echo(f"calltriage desk on http://{shown}:{port}/  ·  API http://{shown}:{port}/api/v1/openapi.json  "
         f"·  database {services.store.safe_url}")
    echo(notice)
    if not settings.webhooks.enabled:
        echo("Webhooks: off (set CALLTRIAGE_WEBHOOK_URLS to notify other systems on escalate/close).")
    if workers > 1:
        os.environ["CALLTRIAGE_DB"] = services.store.url
        if GLOBALS.playbooks:
            os.environ["CALLTRIAGE_PLAYBOOKS"] = GLOBALS.playbooks
        services.close()
        uvicorn.run("calltriage.web.cli:factory", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, proxy_headers=True, **_server_options())
        return
    uvicorn.run(create_app(services, settings), host=host, port=port, log_level=log_level, proxy_headers=True,
                **_server_options())


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
