"""`calltriage demo`: open an example incident and walk it in guided mode (no server needed)."""

from __future__ import annotations

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json


def demo(as_: str = typer.Option("ana", "--as", help="Operator name."), json_out: bool = JsonOpt) -> None:
    """Open an example incident (alice can't call bob) and walk it step by step."""
    from calltriage.cli.guide import guide

    app = app_for()
    view = app.incidents.open(playbook_id="user-cant-call-professional", caller="alice", callee="bob",
                              summary="Demo: alice can't call bob since this morning", actor=actor(app, as_))
    if json_out:
        emit_json({"id": view["id"]})
        return
    echo(f"Demo incident {view['id']} opened. Answer each step; q leaves, "
         f"`calltriage incident run {view['id']}` resumes.\n")
    guide(app, view["id"], as_)
