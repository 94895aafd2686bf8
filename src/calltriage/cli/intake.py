"""`calltriage intake complaints|propose` and the intake options of `incident open`."""

from __future__ import annotations

from typing import Any

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json
from calltriage.domain.intake import COMPLAINTS

app = typer.Typer(no_args_is_help=True)


@app.command()
def complaints(json_out: bool = JsonOpt) -> None:
    """The complaint matrix: each complaint and the entry playbook it leads to."""
    rows = [{"id": c.id, "category": c.category, "label": c.label, "playbook": c.playbook, "note": c.note}
            for c in COMPLAINTS]
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        echo(f"{row['id']:<24} {row['category']:<17} → {row['playbook']:<28} {row['label']}"
             + (f" ({row['note']})" if row["note"] else ""))


@app.command()
def propose(
    complaint: str = typer.Option(..., "--complaint", help="A complaint of the matrix (see `intake complaints`)."),
    edition: str = typer.Option(None, "--edition", help="professional or enterprise, when known."),
    error_message: str = typer.Option("", "--error-message", help="The app's exact error message, if any."),
    json_out: bool = JsonOpt,
) -> None:
    """Which entry playbook the complaint leads to (the operator confirms it when opening)."""
    from calltriage.services.intake import IntakeService

    proposal = IntakeService(app_for().incidents).propose(complaint, edition=edition, error_message=error_message)
    if json_out:
        emit_json(proposal)
        return
    echo(describe(proposal))


def describe(proposal: dict[str, Any]) -> str:
    text = f"{proposal['label']} → {proposal['playbook']} ({proposal['title']})"
    if proposal.get("note"):
        text += f"; {proposal['note']}"
    message = proposal.get("message")
    if message:
        text += (f". The error message is in the catalogue ({message['id']}): {message['instruction']} "
                 f"Consider --playbook specific-error.")
    return text


def open_with_intake(*, complaint: str, playbook: str | None, caller: str, callee: str, summary: str,
                     reporter: str, as_: str | None, definition: str, is_: list[str], is_not: list[str],
                     error_message: str, device: str, app_version: str, network: str, edition: str,
                     prefill: bool, config: str | None) -> dict[str, Any]:
    from calltriage.services.intake import IntakeService, clean_record, grid_from_pairs

    app_ = app_for()
    record = clean_record(complaint=complaint, definition=definition, description=grid_from_pairs(is_, is_not),
                          error_message=error_message, device=device, app_version=app_version,
                          network_type=network, edition=edition)
    known = None
    if prefill:
        from calltriage.cli.common import server_for
        from calltriage.services.intake import prefill_once

        known = prefill_once(server_for(config), caller)
        if not record["edition"] and known.get("edition"):
            record["edition"] = known["edition"]
    return IntakeService(app_.incidents).open(caller=caller, callee=callee, record=record, actor=actor(app_, as_),
                                              playbook=playbook, summary=summary, reporter=reporter,
                                              prefilled=known)
