"""The interactive guided mode (`calltriage incident run ID`): leave at any step, resume later."""

from __future__ import annotations

import typer

from calltriage.cli.common import actor, echo
from calltriage.cli.incident import _print_header, _print_step, _verdict, choose
from calltriage.cli.waiting import waiting_lines
from calltriage.errors import CalltriageError, Conflict, InvalidAnswer
from calltriage.services.context import App


def guide(app: App, incident_id: int, as_: str | None) -> None:
    who = actor(app, as_)
    view = app.cases.get(incident_id).model_dump(mode="json")
    _print_header(view)
    playbook = view["playbook"]
    while True:
        step = app.incidents.next_step(incident_id)
        if step.get("playbook", playbook) != playbook:
            playbook = step["playbook"]
            echo(f"Handed off to {playbook}: incident {incident_id} continues there.")
        if step["node"] is None:
            echo(_verdict(app.cases.get(incident_id).model_dump(mode="json")))
            return
        echo("")
        _print_step(step)
        for line in waiting_lines(incident_id, step):  # a watch that saw nothing: what the server showed
            echo(line)
        raw = typer.prompt("Answer (number or name, q to leave)", default="", show_default=False)
        if raw.strip().lower() in ("q", "quit", "exit"):
            echo(f"Left incident {incident_id} at {step['node']}. Resume with: calltriage incident run {incident_id}")
            return
        try:
            outcome = choose(step, raw)
        except InvalidAnswer as exc:
            echo(f"  {exc}")
            continue
        note = typer.prompt("Note (optional)", default="", show_default=False)
        try:
            app.cases.answer(incident_id, outcome, actor=who, note=note, node=step["node"])
        except Conflict as exc:
            echo(f"  {exc}")
        except CalltriageError as exc:
            echo(f"  Error: {exc}")
