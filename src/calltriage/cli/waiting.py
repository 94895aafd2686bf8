"""Watch steps from the CLI: after an answer the probes go on, bounded; `incident watch` watches
(again) for the user's action; what a watch step waits for, in words.

Bounded: probes that need no user action run (each within its deadline) and watching for the
user's action takes at most ``--max-wait`` seconds in all (default 0 after an answer: the
instruction for the user is recorded and the command returns). See docs/cli.md.
"""

from __future__ import annotations

from typing import Any

import typer

ConfigOpt = typer.Option(None, "--config", help="Server config: after the answer, probes answer what they can "
                         "(default: $CALLTRIAGE_CONFIG; without one, nothing runs).")
MaxWaitOpt = typer.Option(0.0, "--max-wait", min=0, metavar="SECONDS",
                          help="Seconds the probes may watch the server for the user's action after the answer "
                          "(default 0: a step that needs the user only records the instruction; then run "
                          "`calltriage incident watch`).")
NoProbesOpt = typer.Option(False, "--no-probes", help="Record the answer only; run no probe afterwards.")


def continue_after(app_: Any, incident_id: int, config: str | None, json_out: bool, *, max_wait: float,
                   no_probes: bool) -> dict[str, Any]:
    """After an operator's change, with a server configured, let the probes answer what follows.

    Bounded: probes that need no user action run (each within its deadline), and watching for
    the user's action takes at most ``max_wait`` seconds in all. Returns the incident view with
    ``waiting`` (what it waits for, with the instruction for the user) and ``probed``."""
    from calltriage.cli.common import server_for
    from calltriage.cli.triage import triage_service
    from calltriage.services.triage import waiting_state

    if no_probes or server_for(config) is None:
        view = dict(app_.incidents.get(incident_id))
        view["probed"] = []
        view["waiting"] = waiting_state(app_.incidents.next_step(incident_id))
        view["probes"] = "skipped (--no-probes)" if no_probes else "skipped (no server configured)"
        return view
    service = triage_service(app_, config, max_wait, quiet=json_out)
    try:
        report = service.advance(incident_id)
    finally:
        service.runner.close()
    view = dict(report.incident)
    view["probed"] = report.probed
    view["waiting"] = report.waiting
    view["probes"] = "ran"
    return view


def watch_again(app_: Any, incident_id: int, *, node: str | None, max_wait: float | None, config: str | None,
                json_out: bool) -> dict[str, Any]:
    """`incident watch`: the service's watch again, for at most ``max_wait`` seconds in all
    (default: the step's own window). Returns the view as ``continue_after`` does."""
    from calltriage.cli.common import server_for
    from calltriage.cli.triage import triage_service
    from calltriage.errors import CalltriageError

    if server_for(config) is None:
        raise CalltriageError("no SIP server is configured, so nothing can be watched: give --config FILE or set "
                              "CALLTRIAGE_CONFIG, or answer the step from what the user says")
    if max_wait is None:
        step = app_.incidents.next_step(incident_id)
        max_wait = float((step.get("watch") or {}).get("window") or 0.0) if step["node"] else 0.0
    service = triage_service(app_, config, max_wait, quiet=json_out)
    try:
        report = service.watch(incident_id, node=node)
    finally:
        service.runner.close()
    view = dict(report.incident)
    view["probed"], view["waiting"], view["probes"] = report.probed, report.waiting, "ran"
    return view


def waiting_lines(incident_id: int, step: dict[str, Any]) -> list[str]:
    """What to do now at a watch step: tell the user, watch (again), or answer from what they say."""
    watch_ = step.get("watch")
    if not watch_ or watch_["state"] == "not-asked":
        return []
    lines = []
    if watch_["state"] == "awaiting-user":
        lines.append(f"  Tell the user: {watch_['instruction']}")
        lines.append(f"  Then watch the server: calltriage incident watch {incident_id}")
    elif watch_["state"] == "no-evidence-yet":
        lines.append(f"  No evidence yet: the server showed nothing in {watch_['watched_seconds']:g} s of watching "
                     f"({(watch_['last'] or {}).get('summary') or 'nothing seen'}).")
        lines.append(f"  Watch again: calltriage incident watch {incident_id}")
    lines.append(f"  Or answer from what the user says: calltriage incident answer {incident_id} "
                 f"{{{','.join(step['choices'])}}}")
    return lines
