"""`calltriage incident …`: open, list, show, next, answer, watch, run (guided), override, reopen, note,
escalate, close, take, assign, release. Every command parses, calls ``services.cases`` and prints."""

from __future__ import annotations

from typing import Any

import typer

from calltriage.cli.common import JsonOpt, actor, app_for, echo, emit_json
from calltriage.cli.lazy import Lazy, lazy_group
from calltriage.cli.waiting import ConfigOpt, MaxWaitOpt, NoProbesOpt, continue_after, waiting_lines, watch_again
from calltriage.errors import InvalidAnswer

# The record commands (client logs, dossier) live in cli/records.py, imported when they run.
app = typer.Typer(no_args_is_help=True, cls=lazy_group({
    "attach": Lazy("calltriage.cli.records:attach"),
    "attachments": Lazy("calltriage.cli.records:attachments"),
    "analyze": Lazy("calltriage.cli.records:analyze"),
    "dossier": Lazy("calltriage.cli.records:dossier"),
}))

AsOpt = typer.Option(None, "--as", help="Operator name (default: $CALLTRIAGE_OPERATOR or your login).")
NoteOpt = typer.Option("", "--note", help="A note recorded with the answer.")


@app.command("open")
def open_(
    playbook: str = typer.Option(None, "--playbook", help="Playbook id (default: the complaint's entry playbook, "
                                 "else user-cant-call-professional)."),
    caller: str = typer.Option(..., "--caller", help="The user who reports (username or number)."),
    callee: str = typer.Option(..., "--callee", help="The party they tried to reach."),
    summary: str = typer.Option("", "--summary", help="What the user reported."),
    reporter: str = typer.Option("", "--reporter", help="Who reported it (default: the operator)."),
    complaint: str = typer.Option(None, "--complaint", help="Intake: a complaint of the matrix "
                                  "(`calltriage intake complaints`); routes to its entry playbook."),
    definition: str = typer.Option("", "--definition", help="Intake: the incident in the user's own words."),
    is_: list[str] = typer.Option([], "--is", help="Intake: DIMENSION=TEXT observed (what, where, when, extent)."),
    is_not: list[str] = typer.Option([], "--is-not", help="Intake: DIMENSION=TEXT where it does not happen."),
    error_message: str = typer.Option("", "--error-message", help="Intake: the app's exact error message."),
    device: str = typer.Option("", "--device", help="Intake: device and OS."),
    app_version: str = typer.Option("", "--app-version", help="Intake: the app's version."),
    network: str = typer.Option("", "--network", help="Intake: wifi, mobile, wired, other or unknown."),
    edition: str = typer.Option("", "--edition", help="Intake: professional or enterprise."),
    prefill: bool = typer.Option(False, "--prefill", help="Intake: ask the SIP server (--config) what it knows "
                                 "about the caller: registration, app version and edition from the User-Agent."),
    config: str = typer.Option(None, "--config", help="Server config for --prefill (default: $CALLTRIAGE_CONFIG)."),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Open an incident on a playbook, or with its intake (--complaint and the IS / IS-NOT description)."""
    if complaint is None:
        app_ = app_for()
        view = app_.cases.open(playbook_id=playbook or "user-cant-call-professional", caller=caller,
                               callee=callee, summary=summary, reporter=reporter,
                               actor=actor(app_, as_)).model_dump(mode="json")
    else:
        from calltriage.cli.intake import open_with_intake

        view = open_with_intake(complaint=complaint, playbook=playbook, caller=caller, callee=callee,
                                summary=summary, reporter=reporter, as_=as_, definition=definition, is_=is_,
                                is_not=is_not, error_message=error_message, device=device, app_version=app_version,
                                network=network, edition=edition, prefill=prefill, config=config)
    if json_out:
        emit_json({"id": view["id"], "status": view["status"], "current": view["current"],
                   "playbook": view["playbook"], "complaint": view["complaint"]})
    else:
        if complaint is not None:
            routing = view["intake"]["routing"]
            how = "as proposed by the complaint matrix" if routing["chosen"] == routing["proposed"] else \
                f"chosen instead of the matrix's {routing['proposed']}"
            echo(f"Intake: {complaint} → {view['playbook']} ({how}).")
        echo(f"Opened incident {view['id']}: {view['caller']} / {view['callee']} "
             f"({view['playbook']}). Next: calltriage incident run {view['id']}")


@app.command("list")
def list_(
    status: str = typer.Option(None, "--status", help="open, closed or handed-off."),
    level: int = typer.Option(None, "--level", help="1, 2 or 3."),
    search: str = typer.Option(None, "--search", help="Text in caller, callee, summary or reporter."),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
    json_out: bool = JsonOpt,
) -> None:
    """List incidents, newest first."""
    found = app_for().cases.list(status=status, level=level, query=search, limit=limit, offset=offset)
    items, total = [i.model_dump(mode="json") for i in found.items], found.total
    if json_out:
        emit_json({"total": total, "items": items})
        return
    if not items:
        echo("No incidents match.")
        return
    echo(f"{'ID':>5}  {'STATUS':<10} {'LVL':<3} {'OWNER':<10} {'CALLER':<16} {'CALLEE':<16} {'AT / RESULT'}")
    for item in items:
        where = item["current"] or item["resolution"] or (f"-> {item['handoff']}" if item["handoff"] else "")
        echo(f"{item['id']:>5}  {item['status']:<10} L{item['level']:<2} {(item['assignee'] or '-')[:10]:<10} "
             f"{item['caller'][:16]:<16} {item['callee'][:16]:<16} {where}")
    echo(f"{len(items)} of {total}")


@app.command()
def show(incident_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JsonOpt) -> None:
    """Show an incident with its path and timeline."""
    view = app_for().cases.get(incident_id).model_dump(mode="json")
    if json_out:
        emit_json(view)
        return
    _print_header(view)
    if view.get("major"):
        echo(f"  part of major incident M{view['major']} (calltriage major show {view['major']})")
    intake = view.get("intake")
    if intake:
        echo(f"  intake: {intake['complaint']} → {intake['routing']['chosen']}"
             + "".join(f"; {d} IS {c.get('is') or '-'} / IS NOT {c.get('is_not') or '-'}"
                       for d, c in intake["description"].items()))
    if len(view["playbooks"]) > 1:
        for part in view["playbooks"]:
            echo(f"Path in {part['playbook']}@{part['version']}: " + " → ".join(part["path"]))
    else:
        echo("Path: " + " → ".join(view["path"]))
    echo("Timeline:")
    for event in view["events"]:
        echo("  " + format_event(event))


@app.command("next")
def next_(incident_id: int = typer.Argument(..., metavar="ID"), json_out: bool = JsonOpt) -> None:
    """Show the step the incident waits for."""
    from calltriage.services.steps import current_step

    app_ = app_for()
    step = current_step(app_.store, app_.catalog, incident_id)  # without the ORM: the command scripts run most
    if json_out:
        emit_json(step)
    elif step["node"] is None:
        echo(f"Incident {incident_id} is {step['status']}.")
    else:
        _print_step(step)
        for line in waiting_lines(incident_id, step):
            echo(line)


@app.command()
def answer(
    incident_id: int = typer.Argument(..., metavar="ID"),
    choice: str = typer.Argument(..., help="One of the step's choices."),
    as_: str = AsOpt,
    note: str = NoteOpt,
    node: str = typer.Option(None, "--node", help="The step you answer; refused if the incident moved on."),
    config: str = ConfigOpt,
    max_wait: float = MaxWaitOpt,
    no_probes: bool = NoProbesOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Answer the current step (then, with a server configured, probes answer what follows)."""
    app_ = app_for()
    app_.cases.answer(incident_id, choice, actor=actor(app_, as_), note=note, node=node)
    _after_change(app_, continue_after(app_, incident_id, config, json_out, max_wait=max_wait, no_probes=no_probes),
                  json_out)


@app.command()
def watch(
    incident_id: int = typer.Argument(..., metavar="ID"),
    node: str = typer.Option(None, "--node", help="The watch step you mean; refused if the incident moved on."),
    max_wait: float = typer.Option(None, "--max-wait", min=0, metavar="SECONDS",
                                   help="Seconds to watch in all (default: the step's own window)."),
    config: str = ConfigOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Watch (again) for the user's action on the current step, then let probes answer what follows."""
    app_ = app_for()
    _after_change(app_, watch_again(app_, incident_id, node=node, max_wait=max_wait, config=config,
                                    json_out=json_out), json_out)


@app.command()
def override(
    incident_id: int = typer.Argument(..., metavar="ID"),
    node: str = typer.Argument(..., help="The step whose verdict you override."),
    choice: str = typer.Argument(..., help="The outcome you decide instead."),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the timeline)."),
    as_: str = AsOpt,
    config: str = ConfigOpt,
    max_wait: float = MaxWaitOpt,
    no_probes: bool = NoProbesOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Override an earlier verdict (a probe's or an operator's) with a recorded reason."""
    app_ = app_for()
    app_.cases.override(incident_id, node, choice, actor=actor(app_, as_), reason=reason)
    _after_change(app_, continue_after(app_, incident_id, config, json_out, max_wait=max_wait, no_probes=no_probes),
                  json_out)


@app.command()
def reopen(
    incident_id: int = typer.Argument(..., metavar="ID"),
    reason: str = typer.Option(..., "--reason", help="Why (recorded in the timeline)."),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Reopen a closed incident at the step whose answer closed it (its level or above)."""
    app_ = app_for()
    _after_change(app_, app_.cases.reopen(incident_id, actor=actor(app_, as_), reason=reason), json_out)


@app.command()
def take(incident_id: int = typer.Argument(..., metavar="ID"), as_: str = AsOpt, json_out: bool = JsonOpt) -> None:
    """Take an incident of your level: it becomes yours ("mine" queue)."""
    app_ = app_for()
    _after_change(app_, app_.cases.take(incident_id, actor=actor(app_, as_)), json_out)


@app.command()
def assign(
    incident_id: int = typer.Argument(..., metavar="ID"),
    operator: str = typer.Argument(..., help="An operator of the incident's level."),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Assign an incident of your level to another operator of that level."""
    app_ = app_for()
    _after_change(app_, app_.cases.assign(incident_id, operator, actor=actor(app_, as_)), json_out)


@app.command()
def release(incident_id: int = typer.Argument(..., metavar="ID"), as_: str = AsOpt,
            json_out: bool = JsonOpt) -> None:
    """Release an incident: nobody owns it, it waits in its level's unassigned queue."""
    app_ = app_for()
    _after_change(app_, app_.cases.release(incident_id, actor=actor(app_, as_)), json_out)


@app.command()
def note(
    incident_id: int = typer.Argument(..., metavar="ID"),
    text: str = typer.Argument(...),
    as_: str = AsOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Add a note to the timeline."""
    app_ = app_for()
    view = app_.cases.note(incident_id, text, actor=actor(app_, as_))
    if json_out:
        emit_json(view.model_dump(mode="json"))
    else:
        echo(f"Noted on incident {incident_id}.")


@app.command()
def escalate(
    incident_id: int = typer.Argument(..., metavar="ID"),
    request: str = typer.Argument(..., help="Escalation request, e.g. server-status-check."),
    as_: str = AsOpt,
    note: str = NoteOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Escalate by hand to the next level (REQUEST names what it should check); a note is required."""
    app_ = app_for()
    _after_change(app_, app_.cases.escalate(incident_id, request, actor=actor(app_, as_), note=note), json_out)


@app.command()
def close(
    incident_id: int = typer.Argument(..., metavar="ID"),
    resolution: str = typer.Argument(..., help="A close node or resolution code of the playbook."),
    as_: str = AsOpt,
    note: str = NoteOpt,
    anyway: bool = typer.Option(False, "--anyway", help="Close with a resolution the current step does not "
                                "lead to; --note gives the reason."),
    json_out: bool = JsonOpt,
) -> None:
    """Close by hand with a resolution the current step leads to (others: --anyway with a --note)."""
    app_ = app_for()
    view = app_.cases.close(incident_id, resolution, actor=actor(app_, as_), note=note, anyway=anyway)
    _after_change(app_, view, json_out)


@app.command("run")
def run_(incident_id: int = typer.Argument(..., metavar="ID"), as_: str = AsOpt) -> None:
    """Guided mode: one step at a time. Leave with q; resume any time with the same command."""
    from calltriage.cli.guide import guide

    guide(app_for(), incident_id, as_)


def _after_change(app_: Any, view: Any, json_out: bool) -> None:
    if not isinstance(view, dict):
        view = view.model_dump(mode="json")
    if json_out:
        emit_json(view)
        return
    for item in view.get("probed") or []:
        result = item["result"]
        decided = f"→ {item['outcome']}" if item["outcome"] else "→ (operator decides)"
        echo(f"  {item['node']:<34} {result['status']:<6} {decided}  {result['summary']}")
    step = app_.incidents.next_step(view["id"])
    last = (view.get("events") or [{}])[-1]
    if last.get("kind") == "handed-off" and last["data"].get("continues"):
        echo(f"Handed off to {last['data']['playbook']}: incident {view['id']} continues there.")
    if step["node"] is None:
        echo(_verdict(view))
        return
    echo(f"Incident {view['id']} is at {step['node']} (level {step['level']}).")
    for line in waiting_lines(view["id"], step):
        echo(line)


def _verdict(view: dict[str, Any]) -> str:
    if view["status"] == "closed":
        closed = [e for e in view.get("events") or () if e["kind"] == "closed"]
        todo = ((closed[-1].get("data") or {}).get("instruction") if closed else None) or ""
        return f"Incident {view['id']} closed: {view['resolution']} ({view['category']})." + (
            f" What to do: {todo}" if todo else "")
    if view["status"] == "handed-off":
        return f"Incident {view['id']} handed off to {view['handoff']} ({view['category']})."
    return f"Incident {view['id']} is open at level {view['level']}."


def _print_header(view: dict[str, Any]) -> None:
    echo(f"Incident {view['id']} [{view['status']}] level {view['level']} — {view['playbook']}")
    echo(f"  owner: {view['assignee'] or 'nobody (unassigned)'}")
    echo(f"  caller: {view['caller']}   callee: {view['callee']}")
    if view["summary"]:
        echo(f"  summary: {view['summary']}")
    if view["status"] != "open":
        echo("  " + _verdict(view))


def _print_step(step: dict[str, Any]) -> None:
    echo(f"[L{step['level']}] {step['node']} ({step['kind']}) — {step.get('title') or step['prompt']}")
    echo(f"  {step['prompt']}")
    if step.get("help"):
        echo(f"  {step['help']}")
    if step.get("ask_user"):
        echo(f"  → {step['ask_user']}")
    for index, choice in enumerate(step["choices"], 1):
        echo(f"  {index}) {choice:<16} {step['labels'].get(choice, '')}")


def format_event(event: dict[str, Any]) -> str:
    at = (event["at"] or "")[:19].replace("T", " ")
    parts = [at, f"L{event['level']}", event["kind"], event["actor"]]
    if event["node"]:
        parts.append(event["node"])
    if event["outcome"]:
        parts.append(f"→ {event['outcome']}")
    text = " ".join(parts)
    data = event.get("data") or {}
    result = data.get("result")
    if result:
        text += f"  [{result['probe']}: {result['status']}] {result['summary']}"
    elif event["note"]:
        text += f"  “{event['note']}”"
    if event["kind"] in ("closed", "handed-off") and data.get("evidence"):
        last = data["evidence"][-1]
        by = f"probe {last.get('probe')}" if last["by"] == "probe" else f"{last['by']} {last['actor']}"
        text += f"  (on {last['node']} → {last['outcome']}, {by})"
    return text


def choose(step: dict[str, Any], raw: str) -> str:
    raw = raw.strip()
    if raw.isdigit() and 1 <= int(raw) <= len(step["choices"]):
        return str(step["choices"][int(raw) - 1])
    if raw in step["choices"]:
        return raw
    raise InvalidAnswer(f"{raw!r} is not a choice: type a number or one of {', '.join(step['choices'])}")
