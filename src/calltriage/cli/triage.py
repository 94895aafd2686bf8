"""`calltriage triage`: open an incident and let the probes answer what the server can tell."""

from __future__ import annotations

import sys
from typing import Any

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json, server_for
from calltriage.errors import CalltriageError
from calltriage.services.context import App

ConfigOpt = typer.Option(None, "--config", help="Server configuration TOML (default: $CALLTRIAGE_CONFIG).")


def _say_wait(node: str, instruction: str, seconds: float) -> None:
    sys.stderr.write(f"→ {instruction} (watching the server for {seconds:g} s: {node})\n")
    sys.stderr.flush()


def triage_service(app: App, config: str | None, max_wait: float | None = None, *, quiet: bool = False) -> Any:
    """``max_wait``: seconds the command may spend watching for the user's actions, in all."""
    from calltriage.probes.runner import ProbeRunner
    from calltriage.services.triage import TriageService

    settings = server_for(config)
    return TriageService(app.incidents, ProbeRunner(), settings, max_wait=max_wait, budget=max_wait,
                         on_wait=None if quiet else _say_wait)


def triage(
    caller: str = typer.Option(None, "--caller", help="The user who can't call."),
    callee: str = typer.Option(None, "--callee", help="The party they tried to reach."),
    summary: str = typer.Option("", "--summary", help="What the user reported."),
    incident: int = typer.Option(None, "--incident", help="Continue an existing incident instead."),
    playbook: str = typer.Option("user-cant-call-professional", "--playbook"),
    config: str = ConfigOpt,
    max_wait: float = typer.Option(None, "--max-wait", min=0, metavar="SECONDS",
                                   help="Seconds to spend watching for the user's actions, in all (default: each "
                                   "watch step's own window; 0: ask the user and return without watching)."),
    as_: str = typer.Option(None, "--as", help="Operator name."),
    json_out: bool = JsonOpt,
) -> None:
    """Open an incident (or continue one) and answer every step the SIP server can decide."""
    app = app_for()
    service = triage_service(app, config, max_wait)
    try:
        if incident is not None:
            report = service.advance(incident)
        elif caller and callee:
            report = service.triage(caller=caller, callee=callee, summary=summary, playbook_id=playbook,
                                    actor=actor(app, as_))
        else:
            raise CalltriageError("give --caller and --callee to open an incident, or --incident ID to continue one")
    finally:
        service.runner.close()
    if json_out:
        emit_json(report.to_dict())
        return
    view = report.incident
    echo(f"Incident {view['id']}: {view['caller']} can't call {view['callee']}")
    for item in report.probed:
        result = item["result"]
        decided = f"→ {item['outcome']}" if item["outcome"] else "→ (operator decides)"
        echo(f"  {item['node']:<34} {result['status']:<6} {decided}  {result['summary']}")
    if report.waiting_for:
        from calltriage.cli.waiting import waiting_lines

        step = app.incidents.next_step(view["id"])
        echo(f"Waiting for an operator at {step['node']} (level {step['level']}): {step['prompt']}")
        lines = waiting_lines(view["id"], step)
        if lines:
            for line in lines:
                echo(line)
        else:
            echo(f"  choices: {', '.join(step['choices'])}. "
                 f"Answer with: calltriage incident answer {view['id']} CHOICE")
    elif view["status"] == "closed":
        from calltriage.cli.incident import _verdict

        echo(_verdict(view))
    else:
        echo(f"{view['status']}: {view['handoff'] or ''}")
