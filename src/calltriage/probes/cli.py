"""``calltriage server ...`` (mounted by the main CLI): check the server configuration."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from calltriage.config import load_server_settings
from calltriage.errors import CalltriageError

app = typer.Typer(help="The SIP server under triage: check its configuration and reachability.", no_args_is_help=True)


@app.callback()
def _server() -> None:
    """The SIP server under triage."""
    # A callback keeps `check` a sub-command even while it is the only one.


_MARK = {"ok": "ok  ", "warn": "warn", "fail": "FAIL", "skipped": "skip"}


@app.command()
def check(
    config: Path | None = typer.Option(None, "--config", "-c", help="server TOML file (default: $CALLTRIAGE_CONFIG)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON instead of lines"),
) -> None:
    """Validate the configuration, reach each part of the server (TLS, SIP, control, DB, accounts) and list
    which checks this server can answer."""
    from calltriage.probes.check import check_server

    try:
        settings = load_server_settings(config)
    except CalltriageError as exc:
        if as_json:
            typer.echo(json.dumps({"ok": False, "parts": [{"part": "config", "status": "fail", "detail": str(exc)}]}))
        else:
            typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    report = check_server(settings)
    if as_json:
        typer.echo(json.dumps({
            "ok": report.ok,
            "backend": report.backend,
            "server": settings.describe(),
            "parts": [x.to_dict() for x in report.lines],
            "capabilities": report.capabilities,
        }))
    else:
        for line in report.lines:
            typer.echo(f"{_MARK.get(line.status, line.status)}  {line.part:<16} {line.detail}")
        typer.echo(f"checks this {report.backend} server can answer:")
        for probe, can in report.capabilities.items():
            typer.echo(f"      {probe:<24} {can}")
    raise typer.Exit(0 if report.ok else 1)
