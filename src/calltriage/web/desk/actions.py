"""The incident page's forms: one thin handler per action, each a call into ``services.cases``.

Every form carries the step (``node``) and ``revision`` it was rendered for, so a double click
or a stale tab never acts on another step. Answers that close, escalate or hand off the
incident, and manual closes and escalations, need an explicit confirmation. On success the
handler redirects (303) to the incident page; on failure the page comes back with the error and
the text kept (``incident.failed``). New actions add a handler here and a form in
``incident.html`` (the ``actions`` block).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from calltriage.errors import CalltriageError
from calltriage.services.models import IncidentOut
from calltriage.services.rules import consequence
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.incident import IncidentId, failed, render_incident
from calltriage.web.desk.render import redirect
from calltriage.web.state import state
from calltriage.web.triage import follow_up

actions = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
# No max_length here: the service checks lengths and answers one line, so the page can keep the text.
Text = Annotated[str, Form()]
Short = Annotated[str, Form(max_length=220)]
Revision = Annotated[int | None, Form(ge=0, le=2**31 - 1)]
Node = Annotated[str | None, Form(max_length=120)]
Confirmed = Annotated[str, Form(max_length=8)]


def _done(request: Request, view: IncidentOut, done: str, op: Any = None) -> Response:
    state(request).dispatcher.poke()
    where = {"closed": f" Closed: {view.resolution}.", "handed-off": f" Handed off to {view.handoff}."}
    after = where.get(view.status, f" Now at L{view.level}.")
    last = view.events[-1] if view.events else None
    if last is not None and last.kind == "handed-off" and last.data.get("continues") and view.status == "open":
        after = f" Handed off to {view.playbook}: the incident continues at {view.current}."
    if op is not None and follow_up(state(request), view, op):
        after += " Probes are running."
    return redirect(request, f"/incidents/{view.id}", done + after)


def _act(request: Request, op: Any, incident_id: int, draft: dict[str, Any], done: str,
         change: Callable[[], IncidentOut], probes: bool = False) -> Response:
    try:
        view = change()
    except CalltriageError as exc:
        return failed(request, op, incident_id, exc, draft)
    return _done(request, view, done, op if probes else None)


@actions.post("/incidents/{incident_id}/answer")
def answer(request: Request, op: DeskOperator, incident_id: IncidentId, outcome: Short, node: Short,
           revision: Revision = None, note: Text = "", confirm: Confirmed = "") -> Response:
    draft = {"form": "answer", "note": note, "outcome": outcome}
    cases = state(request).services.cases
    view = cases.get(incident_id)
    spec = state(request).services.catalog.pinned(view.playbook, view.playbook_version)
    effect = consequence(spec, node, outcome) if view.current == node else None
    if effect and confirm != "yes":
        return render_incident(request, op, incident_id, draft=draft, confirm={
            "outcome": outcome, "node": node, "revision": revision, "text": effect,
            "label": spec.node(node).outcomes[outcome].label or outcome})
    return _act(request, op, incident_id, draft, f"Answered: {outcome}.",
                lambda: cases.answer(incident_id, outcome, actor=op.actor, note=note, node=node, revision=revision),
                probes=True)


@actions.post("/incidents/{incident_id}/escalate")
def escalate(request: Request, op: DeskOperator, incident_id: IncidentId,
             escalation: Annotated[str, Form(alias="request", max_length=120)], revision: Revision = None,
             node: Node = None, note: Text = "", confirm: Confirmed = "") -> Response:
    draft = {"form": "escalate", "note": note, "request": escalation}
    if confirm != "yes":
        return failed(request, op, incident_id, _unconfirmed("hand the incident to the next level"), draft)
    cases = state(request).services.cases
    return _act(request, op, incident_id, draft, f"Escalated ({escalation}).",
                lambda: cases.escalate(incident_id, escalation, actor=op.actor, note=note, revision=revision,
                                       node=node))


@actions.post("/incidents/{incident_id}/close")
def close(request: Request, op: DeskOperator, incident_id: IncidentId, resolution: Short, revision: Revision = None,
          node: Node = None, note: Text = "", confirm: Confirmed = "") -> Response:
    anyway = resolution.startswith("anyway:")
    code = resolution.removeprefix("anyway:")
    draft = {"form": "close", "note": note, "resolution": resolution}
    if not code:
        return failed(request, op, incident_id, _invalid("choose a resolution to close with"), draft)
    if confirm != "yes":
        return failed(request, op, incident_id, _unconfirmed("close the incident"), draft)
    cases = state(request).services.cases
    return _act(request, op, incident_id, draft, "Closed by hand.",
                lambda: cases.close(incident_id, code, actor=op.actor, note=note, revision=revision, node=node,
                                    anyway=anyway))


@actions.post("/incidents/{incident_id}/override")
def override(request: Request, op: DeskOperator, incident_id: IncidentId, choice: Short, reason: Text = "",
             revision: Revision = None) -> Response:
    node, _, outcome = choice.partition("::")
    draft = {"form": "override", "reason": reason, "choice": choice}
    cases = state(request).services.cases
    return _act(request, op, incident_id, draft, f"Overrode {node} with {outcome}.",
                lambda: cases.override(incident_id, node, outcome, actor=op.actor, reason=reason, revision=revision),
                probes=True)


@actions.post("/incidents/{incident_id}/reopen")
def reopen(request: Request, op: DeskOperator, incident_id: IncidentId, reason: Text = "",
           revision: Revision = None) -> Response:
    cases = state(request).services.cases
    return _act(request, op, incident_id, {"form": "reopen", "reason": reason}, "Reopened.",
                lambda: cases.reopen(incident_id, actor=op.actor, reason=reason, revision=revision))


@actions.post("/incidents/{incident_id}/note")
def note(request: Request, op: DeskOperator, incident_id: IncidentId, text: Text = "") -> Response:
    cases = state(request).services.cases
    return _act(request, op, incident_id, {"form": "note", "text": text}, "Note added.",
                lambda: cases.note(incident_id, text, actor=op.actor))


@actions.post("/incidents/{incident_id}/take")
def take(request: Request, op: DeskOperator, incident_id: IncidentId, revision: Revision = None) -> Response:
    cases = state(request).services.cases
    return _act(request, op, incident_id, {"form": "take"}, "It is yours.",
                lambda: cases.take(incident_id, actor=op.actor, revision=revision))


@actions.post("/incidents/{incident_id}/assign")
def assign(request: Request, op: DeskOperator, incident_id: IncidentId, operator: Short,
           revision: Revision = None) -> Response:
    cases = state(request).services.cases
    return _act(request, op, incident_id, {"form": "assign", "operator": operator}, f"Assigned to {operator}.",
                lambda: cases.assign(incident_id, operator, actor=op.actor, revision=revision))


@actions.post("/incidents/{incident_id}/release")
def release(request: Request, op: DeskOperator, incident_id: IncidentId, revision: Revision = None) -> Response:
    cases = state(request).services.cases
    return _act(request, op, incident_id, {"form": "release"}, "Released to the level's queue.",
                lambda: cases.release(incident_id, actor=op.actor, revision=revision))


def _unconfirmed(what: str) -> CalltriageError:
    return _invalid(f"tick the confirmation to {what}")


def _invalid(message: str) -> CalltriageError:
    from calltriage.errors import InvalidAnswer

    return InvalidAnswer(message)
