"""Shared CLI plumbing: global options, building services, printing."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from calltriage.services.context import App, build_app


@dataclass
class Globals:
    db: str | None = None
    playbooks: str | None = None
    debug: bool = False


GLOBALS = Globals()

JsonOpt = typer.Option(False, "--json", help="Print machine-readable JSON on stdout.")


def app_for(*, ready: bool = True) -> App:
    return build_app(GLOBALS.db, GLOBALS.playbooks, ready=ready, cache_dir=_cache_dir())


def _cache_dir() -> Path | None:
    """Validated playbooks are cached per user ($CALLTRIAGE_CACHE_DIR, else $XDG_CACHE_HOME/calltriage)."""
    import os

    explicit = os.environ.get("CALLTRIAGE_CACHE_DIR")
    if explicit is not None:
        return Path(explicit).expanduser() if explicit else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "calltriage" / "playbooks"


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
    import os

    return os.environ.get("CALLTRIAGE_OPERATOR") or getpass.getuser()
