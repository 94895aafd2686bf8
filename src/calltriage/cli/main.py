"""Entry point: the root command, its sub-commands and the one error handler of the CLI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from typer import _click as click  # the click that typer vendors: its exceptions are what it raises

from calltriage.cli.common import JsonOpt, app_for, echo, emit_json
from calltriage.cli.lazy import Lazy, fast_coercion, lazy_group
from calltriage.errors import CalltriageError
from calltriage.settings import Settings

# Every command of the CLI, each imported only when it runs (plus the `calltriage.cli` entry
# points of other installed packages, e.g. `lab` from calltriage-lab).
COMMANDS = {
    "incident": Lazy("calltriage.cli.incident:app", "Open, follow and answer incidents."),
    "playbook": Lazy("calltriage.cli.playbook:app", "List, validate, test and draw playbooks."),
    "triage": Lazy("calltriage.cli.triage:triage"),
    "worker": Lazy("calltriage.cli.worker:worker"),
    "report": Lazy("calltriage.cli.records:report"),
    "server": Lazy("calltriage.probes.cli:app", "Check the SIP server configuration and reach each part."),
    "intake": Lazy("calltriage.cli.intake:app", "Intake: the complaint matrix and the entry playbook it proposes."),
    "major": Lazy("calltriage.cli.major:app", "Major incidents: one server-side finding shared by several incidents."),
    "user": Lazy("calltriage.cli.users:app", "Operator accounts: add, list, disable, token."),
    "serve": Lazy("calltriage.web.cli:serve"),
    "demo": Lazy("calltriage.cli.demo:demo"),
}

fast_coercion()
app = typer.Typer(
    name="calltriage",
    help="Troubleshooting desk for secure-VoIP support teams.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=lazy_group(COMMANDS, plugins=True),
)


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(None, "--db", help="SQLite file or database URL (default: $CALLTRIAGE_DB or "
                           "./calltriage.sqlite)."),
    playbooks: str = typer.Option(None, "--playbooks", help="Playbook folder (default: $CALLTRIAGE_PLAYBOOKS "
                                  "or the bundled playbooks/)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
) -> None:
    # The edge: the only place the CLI reads the environment. Commands reach the result through
    # ``cli.common.current()`` (the click context), never through a global.
    ctx.obj = Settings.from_environment(os.environ, cache_home=Path.home() / ".cache", db=db, playbooks=playbooks,
                                        debug=debug)


@app.command()
def init(json_out: bool = JsonOpt) -> None:
    """Create or upgrade the database schema."""
    app_ = app_for(ready=False)
    app_.store.upgrade()
    if json_out:
        emit_json({"database": app_.store.safe_url, "ready": True})
    else:
        echo(f"Database ready: {app_.store.safe_url}")


def run() -> None:
    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
    except CalltriageError as exc:
        if debug:
            raise
        sys.stderr.write(f"Error: {exc}\n")
        sys.exit(1)
    except typer.Abort:
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
