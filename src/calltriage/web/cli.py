"""`calltriage serve`: the desk and /api/v1 in one process (uvicorn)."""

from __future__ import annotations

import importlib.util
from functools import partial
from typing import TYPE_CHECKING, Any

import typer
from fastapi import FastAPI

from calltriage.cli.common import app_for, current, echo
from calltriage.services.context import build_app
from calltriage.settings import Settings
from calltriage.web.app import create_app, default_jobs
from calltriage.web.settings import load_web_settings

if TYPE_CHECKING:
    from calltriage.config import ServerSettings


def factory(settings: Settings, worker_threads: int) -> FastAPI:
    """The web app factory: the desk and the API on the services of ``settings``. For `--workers N`
    each uvicorn worker process calls it with the parent's settings (pickled to it), so it builds
    its own Store and connection pool, embedded triage worker and webhook thread after the spawn:
    connections and threads made in the parent are never shared, and nothing is read again from
    the environment."""
    services = build_app(settings.db_url, settings.playbooks, cache_dir=settings.cache_dir,
                         major_threshold=settings.major_threshold, major_window=settings.major_window)
    return create_app(services, load_web_settings(settings, services.store.url),
                      jobs=default_jobs(services, settings.server_settings(), workers=worker_threads))


EMBEDDED_THREADS = 2  # jobs the embedded worker of one `serve` process runs at once


def _server_options() -> dict[str, Any]:
    """uvloop and httptools when installed (pinned in pyproject; about twice the requests per
    second of asyncio + h11 for small responses), the pure-Python fallbacks otherwise."""
    options: dict[str, Any] = {}
    for key, module in (("loop", "uvloop"), ("http", "httptools")):
        if importlib.util.find_spec(module) is not None:
            options[key] = module
    return options


def probe_notice(settings: ServerSettings | None) -> str:
    """What `serve` says about probes: which SIP server they ask, or how to configure one."""
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
    worker: bool = typer.Option(True, "--worker/--no-worker",
                                help="Run triage jobs in this process too (--no-worker: only `calltriage worker` "
                                     "processes run them)."),
) -> None:
    """Run the web desk and the REST API (OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    every = current()
    services = app_for()
    settings = load_web_settings(every, services.store.url)
    server = every.server_settings()  # a broken CALLTRIAGE_CONFIG stops here, with the setting to fix
    notice = probe_notice(server)
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
    threads = EMBEDDED_THREADS if worker else 0
    echo("Triage jobs: run here and by any `calltriage worker`." if worker else
         "Triage jobs: queued here, run by `calltriage worker` processes (--no-worker).")
    if workers > 1:
        from uvicorn.supervisors import Multiprocess

        services.close()
        config = uvicorn.Config(partial(factory, every, threads), factory=True, host=host, port=port, workers=workers,
                                log_level=log_level, proxy_headers=True, **_server_options())
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return
    uvicorn.run(create_app(services, settings, jobs=default_jobs(services, server, workers=threads)), host=host,
                port=port, log_level=log_level, proxy_headers=True, **_server_options())
