"""Entry point: the root command, its sub-commands and the one error handler of the CLI."""

from __future__ import annotations

import sys

import click
import typer

from calltriage.cli import authoring, incident, playbook
from calltriage.cli.common import GLOBALS, JsonOpt, app_for, echo, emit_json
from calltriage.errors import CalltriageError

app = typer.Typer(
    name="calltriage",
    help="Troubleshooting desk for secure-VoIP support teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(incident.app, name="incident", help="Open, follow and answer incidents.")
app.add_typer(playbook.app, name="playbook", help="List, validate, test and draw playbooks.")
_ = authoring  # registers `playbook test|new|errors`


def _mount_optional() -> None:
    """Sub-apps of other layers; each is optional so that a partial checkout still runs."""
    from importlib import import_module

    for module, name, text in (
        ("calltriage.probes.cli", "server", "Check the SIP server configuration and reach each part."),
        ("calltriage.cli.triage", None, None),
        ("calltriage.cli.worker", None, None),
        ("calltriage.cli.records", None, None),
        ("calltriage.cli.users", None, None),
        ("calltriage.web.cli", None, None),
        ("calltriage.cli.demo", None, None),
    ):
        try:
            mod = import_module(module)
        except ImportError as exc:
            if exc.name and exc.name.startswith(module):
                continue
            raise
        if name is not None:
            app.add_typer(mod.app, name=name, help=text)
        else:
            mod.register(app)
    _mount_plugins()


def _mount_plugins() -> None:
    """Command groups of other installed packages (the SIP lab is one: `calltriage-lab` declares
    ``lab = "calltriage_lab.cli:app"`` in the ``calltriage.cli`` entry point group)."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="calltriage.cli"):
        sub = entry.load()
        app.add_typer(sub, name=entry.name, help=(sub.info.help or None))


@app.callback()
def root(
    db: str = typer.Option(None, "--db", help="SQLite file or database URL (default: $CALLTRIAGE_DB or "
                           "./calltriage.sqlite)."),
    playbooks: str = typer.Option(None, "--playbooks", help="Playbook folder (default: $CALLTRIAGE_PLAYBOOKS "
                                  "or the bundled playbooks/)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    GLOBALS.db, GLOBALS.playbooks, GLOBALS.debug = db, playbooks, debug


@app.command()
def init(json_out: bool = JsonOpt) -> None:
    """Create or upgrade the database schema."""
    app_ = app_for(ready=False)
    app_.store.upgrade()
    if json_out:
        emit_json({"database": app_.store.safe_url, "ready": True})
    else:
        echo(f"Database ready: {app_.store.safe_url}")


_mount_optional()


def run() -> None:
    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
    except CalltriageError as exc:
        if debug:
            raise
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(1)
    except click.exceptions.Abort:
        sys.stderr.write("Aborted.\n")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: never a traceback without --debug
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        sys.stderr.write(f"Error: unexpected {type(exc).__name__}: {first} (rerun with --debug for details)\n")
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    run()
