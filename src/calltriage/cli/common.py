"""Shared CLI plumbing: global options, building services, printing."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer

from calltriage.services.context import App, build_app
from calltriage.settings import Settings

if TYPE_CHECKING:
    from calltriage.config import ServerSettings


JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


def current() -> Settings:
    """The settings the root command built (``cli.main.root``) for this invocation."""
    from typer._click.globals import get_current_context  # the click that typer vendors

    ctx = get_current_context(silent=True)
    found = ctx.find_object(Settings) if ctx is not None else None
    if found is None:  # a command called outside the CLI (never in the product)
        raise RuntimeError("no settings: run commands through calltriage.cli.main")
    return found


def server_for(config: str | None) -> ServerSettings | None:
    """The SIP server to probe: the command's ``--config``, else the settings' (file and/or
    ``CALLTRIAGE_SERVER__*`` variables); None when there is none."""
    return current().with_flags(config=config).server_settings()


def app_for(*, ready: bool = True) -> App:
    settings = current()
    return build_app(settings.db, settings.playbooks, ready=ready, cache_dir=settings.cache_dir,
                     major_threshold=settings.major_threshold, major_window=settings.major_window)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def echo(text: str = "") -> None:
    typer.echo(text)


def actor(app: App, name: str | None) -> Any:
    """The acting operator: a registered operator's level applies once operator accounts exist."""
    from calltriage.services.incidents import Actor

    who = (name or "").strip() or _default_operator()
    try:
        from calltriage.services.operators import actor_for
    except ImportError:
        return Actor(who)
    return actor_for(app.store, who)


def _default_operator() -> str:
    import getpass

    return current().operator or getpass.getuser()
