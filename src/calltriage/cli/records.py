"""`calltriage report` and the incident record commands: attach, attachments, analyze, dossier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json
from calltriage.errors import CalltriageError, InvalidAnswer

AsOpt = typer.Option(None, "--as", help="Operator name (default: $CALLTRIAGE_OPERATOR or your login).")


def report(
    since: str = typer.Option(None, "--since", help="First day (YYYY-MM-DD) or moment (ISO datetime)."),
    until: str = typer.Option(None, "--until", help="Last day (included) or moment (excluded)."),
    playbook: str = typer.Option(None, "--playbook", help="Only incidents in this playbook."),
    tolerance: float = typer.Option(0.10, "--tolerance", help="Largest gap between the misconfiguration and "
                                    "connection shares that counts as 'about equal'."),
    json_out: bool = JsonOpt,
) -> None:
    """Statistics: statuses, resolutions, categories vs the seed's split, escalations, times, nodes."""
    from calltriage.reports import render_text, summary

    if not 0 <= tolerance <= 1:
        raise InvalidAnswer(f"--tolerance {tolerance} is not a share: use a value between 0 and 1, e.g. 0.1")
    data = summary(app_for().store, since=since, until=until, playbook=playbook, tolerance=tolerance)
    if json_out:
        emit_json(data)
    else:
        typer.echo(render_text(data), nl=False)


def attach(
    incident_id: int = typer.Argument(..., metavar="ID"),
    file: Path = typer.Argument(..., metavar="FILE", help="The app's log (text or .gz)."),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Attach a client log: checked and redacted (passwords, digest responses, keys) before it is stored."""
    from calltriage.clientlog.upload import read_capped
    from calltriage.services.attachments import MAX_LOG_BYTES

    app_ = app_for()

    def read() -> bytes:
        try:
            with file.open("rb") as stream:
                return read_capped(stream, file.name, max_bytes=MAX_LOG_BYTES)
        except OSError as exc:
            raise CalltriageError(f"cannot read {file} ({exc.strerror or exc.__class__.__name__}): "
                                  "check the path and its permissions") from None

    view = app_.cases.attach(incident_id, file.name, read, actor=actor(app_, as_))
    if json_out:
        emit_json(view)
        return
    hidden = sum((view["meta"].get("redactions") or {}).values())
    echo(f"Attached {view['filename']} to incident {incident_id} as attachment {view['id']} "
         f"({view['size']} bytes, {hidden} secret(s) redacted). "
         f"Analyze it: calltriage incident analyze {incident_id}")


def attachments(incident_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JsonOpt) -> None:
    """List an incident's attachments (metadata only)."""
    from calltriage.services.attachments import list_attachments

    items = list_attachments(app_for().store, incident_id)
    if json_out:
        emit_json(items)
        return
    if not items:
        echo(f"Incident {incident_id} has no attachments. "
             f"Add one: calltriage incident attach {incident_id} FILE")
        return
    for item in items:
        redacted = sum((item["meta"].get("redactions") or {}).values())
        when = (item["uploaded_at"] or "")[:19].replace("T", " ")
        echo(f"{item['id']:>5}  {item['filename']:<32} {item['size']:>10} bytes  "
             f"{item['meta'].get('format', '-'):<5} {redacted:>3} redacted  {when}  {item['uploaded_by']}")


def analyze(incident_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JsonOpt) -> None:
    """Analyze the incident's latest client log: likely causes, ranked, with their supporting lines."""
    from calltriage.services.attachments import analyze_attachments
    from calltriage.services.dossier import findings_of

    result = analyze_attachments(app_for().store, incident_id)
    if json_out:
        emit_json(result)
        return
    if result is None:
        echo(f"Incident {incident_id} has no client log. "
             f"Attach one: calltriage incident attach {incident_id} FILE")
        return
    echo(f"{result['attachment']['filename']} (attachment {result['attachment']['id']})")
    _print_findings(findings_of(result))


def dossier(
    incident_id: int = typer.Argument(..., metavar="ID"),
    fmt: str = typer.Option("md", "--format", help="md, json or html (printable, self-contained)."),
    pseudonymise: bool = typer.Option(False, "--pseudonymise", "--pseudonymize",
                                      help="Replace usernames, numbers and IPs by consistent tokens."),
    output: Path = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
) -> None:
    """The escalation dossier for level 3 or a vendor: path, answers, probe evidence, logs and findings."""
    text = app_for().cases.dossier(incident_id, fmt, pseudonymise=pseudonymise)
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CalltriageError(f"cannot write {output} ({exc.strerror or exc.__class__.__name__}): "
                              "pick a writable path with --output") from None
    echo(f"Wrote the {fmt} dossier of incident {incident_id} to {output}")


def _print_findings(findings: list[dict[str, Any]]) -> None:
    if not findings:
        echo("No likely cause found in the log.")
    for f in findings:
        score = f" (score {f['score']})" if f["score"] is not None else ""
        echo(f"{f['rank']}. {f['title']}{score}" + (f": {f['summary']}" if f["summary"] else ""))
        for line in f["lines"][:10]:
            echo(f"     | {line}")
