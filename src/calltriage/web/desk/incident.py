"""The incident page (parties, current step, probe evidence, timeline, graph) and its forms.

Forms post back here and redirect (303) to the incident page, so a reload never re-sends an
answer. Each answer carries the step and revision the page showed: when another operator was
faster, the service raises Conflict and the page reloads with "already answered by …".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import Response

from calltriage.domain.model import NodeKind
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import CalltriageError, Conflict
from calltriage.services.jobs import NO_SERVER
from calltriage.services.operators import OperatorInfo
from calltriage.services.queues import brief
from calltriage.web.api.schemas import MAX_ID
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.render import page, redirect
from calltriage.web.resolve import closes, requests_above
from calltriage.web.state import state
from calltriage.web.triage import follow_up, may_probe, may_watch

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Note = Annotated[str, Form(max_length=10_000)]
Revision = Annotated[int | None, Form(ge=0, le=MAX_ID)]


def _override_choices(parts: list[tuple[PlaybookSpec, list[str]]], view: dict[str, Any]) -> list[tuple[str, str]]:
    """Earlier steps an operator may re-answer, in every playbook the incident walked (after a handoff
    too); a node id answered in two playbooks refers to the latest one."""
    choices: dict[str, tuple[str, str]] = {}
    for spec, path in parts:
        many = len(parts) > 1
        for n in dict.fromkeys(path):
            if n in spec.nodes and n != view["current"] and spec.node(n).kind in (NodeKind.QUESTION, NodeKind.CHECK):
                for o in spec.node(n).outcomes:
                    where = f"{spec.id}: " if many else ""
                    choices[f"{n}::{o}"] = (f"{n}::{o}", f"{where}{n} → {o}")
    return list(choices.values())


@router.get("/incidents/new")
def new_form(request: Request, op: DeskOperator) -> Response:
    ct = state(request)
    playbooks = [(s.id, s.title) for s in ct.services.catalog.all()]
    form = {"probe": ct.jobs.configured, "playbook": "user-cant-call-professional"}
    return page(request, "new.html", {"playbooks": playbooks, "form": form,
                                      "probes_notice": ct.jobs.status(0)["notice"]})


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    ct = state(request)
    view = ct.services.incidents.get(incident_id)
    spec = ct.services.incidents.spec_for(view)
    node = spec.node(view["current"]) if view["current"] else None
    events = view["events"]
    job = ct.jobs.status(incident_id)
    watch = ct.services.incidents.next_step(incident_id).get("watch") if node else None
    can_act = view["status"] == "open" and op.actor.may_act_at(view["level"])
    parts = ct.services.incidents.walked(view)
    return page(request, "incident.html", {
        "i": view, "spec": spec, "node": node,
        "choices": [(k, o.label or k) for k, o in node.outcomes.items()] if node else [],
        "can_act": can_act,
        "job": job,
        "watch": watch,
        # While probes run the page reloads itself (no JavaScript needed) to show the next instruction.
        "refresh": 3 if job["state"] == "running" else None,
        "probes": [e for e in events if e["kind"] == "probed" and (e["data"] or {}).get("result")],
        "events": events,
        "graph": ct.graphs.svg_family(parts),
        "walked": [(p.id, p.title, p.version) for p, _ in parts],
        "requests": requests_above(spec, view["level"]),
        "closes": closes(spec),
        "overrides": _override_choices(parts, view),
    })


@actions.post("/incidents")
def open_incident(request: Request, op: DeskOperator, caller: Annotated[str, Form(max_length=200)],
                  callee: Annotated[str, Form(max_length=200)], summary: Note = "",
                  playbook: Annotated[str, Form(max_length=120)] = "user-cant-call-professional",
                  reporter: Annotated[str, Form(max_length=120)] = "",
                  probe: Annotated[bool, Form()] = False) -> Response:
    ct = state(request)
    try:
        view = ct.services.incidents.open(playbook_id=playbook, caller=caller, callee=callee, summary=summary,
                                          reporter=reporter, actor=op.actor)
    except CalltriageError as exc:
        playbooks = [(s.id, s.title) for s in ct.services.catalog.all()]
        form = {"caller": caller, "callee": callee, "summary": summary, "playbook": playbook, "reporter": reporter,
                "probe": probe}
        return page(request, "new.html", {"playbooks": playbooks, "form": form, "error": exc.message,
                                          "probes_notice": ct.jobs.status(0)["notice"]}, status=exc.http_status)
    done = f"Opened incident {view['id']}."
    if probe:
        ct.jobs.submit(view["id"], actor=op.actor, kind="triage")
        done += " Probes are running." if ct.jobs.configured else " " + NO_SERVER[0].upper() + NO_SERVER[1:] + "."
    return redirect(request, f"/incidents/{view['id']}", done)


@actions.post("/incidents/{incident_id}/probes")
def run_probes(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    ct = state(request)
    back = f"/incidents/{incident_id}"
    try:
        may_probe(ct, op, brief(ct.services.store, incident_id))
        ct.jobs.submit(incident_id, actor=op.actor)
    except CalltriageError as exc:
        if exc.http_status == 404:
            raise
        return redirect(request, back, exc.message, "warn" if isinstance(exc, Conflict) else "error")
    return redirect(request, back, "Probes are running." if ct.jobs.configured else
                    "Probes started, but " + NO_SERVER + ".", "info" if ct.jobs.configured else "warn")


@actions.post("/incidents/{incident_id}/watch")
def watch_again(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    ct = state(request)
    back = f"/incidents/{incident_id}"
    try:
        may_watch(ct, op, brief(ct.services.store, incident_id))
        ct.jobs.submit(incident_id, actor=op.actor, kind="watch")
    except CalltriageError as exc:
        if exc.http_status == 404:
            raise
        return redirect(request, back, exc.message, "warn" if isinstance(exc, Conflict) else "error")
    return redirect(request, back, "Watching the server again for the user's action.")


def _act(request: Request, incident_id: int, done: str, change: Any, op: OperatorInfo | None = None) -> Response:
    """Run one change; report success or the service's one-line error on the reloaded page.

    With ``op`` (answers, overrides) probes then answer the checks that follow, when a server is set."""
    back = f"/incidents/{incident_id}"
    try:
        view = change()
    except Conflict as exc:
        return redirect(request, back, exc.message, "warn")
    except CalltriageError as exc:
        if exc.http_status == 404:
            raise
        return redirect(request, back, exc.message, "error")
    state(request).dispatcher.poke()
    where = {"closed": f" Closed: {view['resolution']}.", "handed-off": f" Handed off to {view['handoff']}."}
    after = where.get(view["status"], f" Now at {view['current']} (L{view['level']}).")
    last = (view.get("events") or [{}])[-1]
    if last.get("kind") == "handed-off" and last["data"].get("continues") and view["status"] == "open":
        after = f" Handed off to {view['playbook']}: the incident continues at {view['current']}."
    if op is not None and follow_up(state(request), view, op):
        after += " Probes are running."
    return redirect(request, back, done + after)


@actions.post("/incidents/{incident_id}/answer")
def answer(request: Request, op: DeskOperator, incident_id: IncidentId, outcome: Annotated[str, Form(max_length=80)],
           node: Annotated[str, Form(max_length=120)], revision: Revision = None, note: Note = "") -> Response:
    svc = state(request).services.incidents
    return _act(request, incident_id, f"Answered {node}: {outcome}.",
                lambda: svc.answer(incident_id, outcome, actor=op.actor, note=note, node=node, revision=revision), op)


@actions.post("/incidents/{incident_id}/escalate")
def escalate(request: Request, op: DeskOperator, incident_id: IncidentId,
             escalation: Annotated[str, Form(alias="request", max_length=120)], revision: Revision = None,
             note: Note = "") -> Response:
    svc = state(request).services.incidents
    return _act(request, incident_id, f"Escalated ({escalation}).",
                lambda: svc.escalate(incident_id, escalation, actor=op.actor, note=note, revision=revision))


@actions.post("/incidents/{incident_id}/close")
def close(request: Request, op: DeskOperator, incident_id: IncidentId,
          resolution: Annotated[str, Form(max_length=120)], revision: Revision = None, note: Note = "") -> Response:
    ct = state(request)

    def change() -> dict[str, Any]:
        spec = ct.services.incidents.spec_for(ct.services.incidents.get(incident_id))
        node = closes(spec).get(resolution, resolution)
        return ct.services.incidents.close(incident_id, node, actor=op.actor, note=note, revision=revision)

    return _act(request, incident_id, "Closed by hand.", change)


@actions.post("/incidents/{incident_id}/override")
def override(request: Request, op: DeskOperator, incident_id: IncidentId,
             choice: Annotated[str, Form(max_length=220)], reason: Note) -> Response:
    node, _, outcome = choice.partition("::")
    svc = state(request).services.incidents
    return _act(request, incident_id, f"Overrode {node} with {outcome}.",
                lambda: svc.override(incident_id, node, outcome, actor=op.actor, reason=reason), op)


@actions.post("/incidents/{incident_id}/note")
def note(request: Request, op: DeskOperator, incident_id: IncidentId, text: Note) -> Response:
    svc = state(request).services.incidents
    return _act(request, incident_id, "Note added.", lambda: svc.add_note(incident_id, text, actor=op.actor))
