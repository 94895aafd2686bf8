"""`calltriage major list|show|close|scan`: major incidents (one server-side finding, many incidents)."""

from __future__ import annotations

from typing import Any

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json

app = typer.Typer(no_args_is_help=True)
AsOpt = typer.Option(None, "--as", help="Operator name (default: $CALLTRIAGE_OPERATOR or your login).")


def _line(major: dict[str, Any]) -> str:
    linked = major.get("linked", len(major.get("incidents") or []))
    return f"M{major['id']:<4} {major['status']:<7} {linked:>3} incident(s)  {major['title']}"


@app.command("list")
def list_(status: str = typer.Option(None, "--status", help="open or closed."), json_out: bool = JsonOpt) -> None:
    """List major incidents, newest first, with how many incidents each links."""
    majors = app_for().majors.list(status)
    if json_out:
        emit_json(majors)
        return
    for major in majors:
        echo(_line(major))
    if not majors:
        echo("No major incidents.")


@app.command()
def show(major_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JsonOpt) -> None:
    """Show a major incident: its finding and the incidents it links."""
    major = app_for().majors.get(major_id)
    if json_out:
        emit_json(major)
        return
    echo(_line(major))
    if major["status"] == "closed":
        echo(f"  closed by {major['closed_by']}: {major['resolution']} ({major['category']}) {major['note']}")
    for incident in major["incidents"]:
        where = incident["current"] or incident["resolution"] or ""
        echo(f"  #{incident['id']:<5} {incident['status']:<7} L{incident['level']} {incident['caller']} → "
             f"{incident['callee']}  {incident['playbook']} {where}")


@app.command()
def close(
    major_id: int = typer.Argument(..., metavar="ID"),
    resolution: str = typer.Option("server-fault", "--resolution", help="Resolution code for every linked incident."),
    category: str = typer.Option("server", "--category", help="Root-cause category."),
    note: str = typer.Option("", "--note", help="What was done; added to every linked incident."),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Close a major incident and every linked open incident with its resolution and a note."""
    app_ = app_for()
    major = app_.majors.close(major_id, resolution=resolution, category=category, note=note,
                              actor=actor(app_, as_))
    if json_out:
        emit_json(major)
        return
    echo(f"Major incident {major_id} closed: {resolution} ({category}); "
         f"{len(major['incidents'])} linked incident(s) closed with it.")


@app.command()
def scan(json_out: bool = JsonOpt) -> None:
    """Group the open incidents that share a server-side finding now (probes do it as they run)."""
    majors = app_for().majors.scan()
    if json_out:
        emit_json(majors)
        return
    for major in majors:
        echo(_line(major))
    if not majors:
        echo("No server-side finding is shared by enough open incidents.")
