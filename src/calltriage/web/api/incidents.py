"""/api/v1/incidents: open, list, get, next step, actions, answer, override, reopen, note, escalate, close,
take, assign, release; queues.

Every handler parses, calls the use-case API (``services.cases``) with the token's operator as
``Actor`` and returns its read model; level checks, the close/escalate/override rules and
concurrency (409) live in the services, shared with the CLI and the desk.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from calltriage.services.models import ActionsOut, IncidentOut
from calltriage.services.operators import OperatorInfo
from calltriage.services.queues import incident_json
from calltriage.web.api.schemas import (
    MAX_ID,
    AnswerBody,
    AssignBody,
    CloseBody,
    EscalateBody,
    IncidentPage,
    NoteBody,
    OpenIncident,
    OverrideBody,
    OwnerBody,
    ReopenBody,
    StepOut,
    Text,
    errors,
)
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse
from calltriage.web.reads import read
from calltriage.web.state import WebState
from calltriage.web.triage import follow_up

router = APIRouter(prefix="/incidents", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Incident id.")]
CHANGED = {200: {"model": IncidentOut}, **errors(403, 404, 409)}


def _out(view: IncidentOut, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(view.model_dump(mode="json"), status_code=status_code, headers=headers)


def open_view(ct: WebState, body: OpenIncident, op: OperatorInfo) -> IncidentOut:
    """Open from the API body: with ``intake``, routed by its complaint (``playbook`` overrides)."""
    if body.intake is not None:
        from calltriage.services.intake import IntakeService, clean_record, prefill_once

        record = clean_record(**body.intake.record())
        known = prefill_once(ct.jobs.settings, body.caller) if body.intake.prefill else None
        if known and not record["edition"] and known.get("edition"):
            record["edition"] = known["edition"]
        return IncidentOut.model_validate(IntakeService(ct.services.incidents).open(
            caller=body.caller, callee=body.callee, record=record, actor=op.actor, playbook=body.playbook,
            summary=body.summary, reporter=body.reporter, prefilled=known))
    return ct.services.cases.open(playbook_id=body.playbook or "user-cant-call-professional",
                                  caller=body.caller, callee=body.callee, summary=body.summary,
                                  reporter=body.reporter, actor=op.actor)


@router.post("", status_code=201, responses={201: {"model": IncidentOut}, **errors(400, 404)})
def open_incident(body: OpenIncident, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Open an incident on a playbook; it starts at the playbook's first step.

    With ``intake`` the Kepner-Tregoe record is stored and its complaint proposes the playbook
    (``GET /api/v1/intake/propose``); a ``playbook`` given with it is the operator's choice instead."""
    view = open_view(ct, body, op)
    return _out(view, 201, {"Location": f"/api/v1/incidents/{view.id}"})


@router.get("", responses={200: {"model": IncidentPage}, **errors(400)})
def list_incidents(
    ct: Ct, op: ApiOperator,
    status: Literal["open", "closed", "handed-off"] | None = None,
    level: Annotated[int | None, Query(ge=1, le=3)] = None,
    q: Annotated[Text | None, Query(max_length=200, description="Text in caller, callee, summary, reporter.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> JSONResponse:
    """Incidents, newest first, with filters and paging."""
    found = ct.services.cases.list(status=status, level=level, query=q, limit=limit, offset=offset)
    return JSONResponse(found.model_dump(mode="json", exclude={"items": {"__all__": {"events"}}}))


@router.get("/queues/{queue}", responses={200: {"model": IncidentPage}, **errors(400)})
def queue(ct: Ct, op: ApiOperator, queue: Literal["mine", "unassigned", "escalated", "open", "closed"],
          level: Annotated[int | None, Query(ge=1, le=3, description="Admins: which level.")] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> JSONResponse:
    """The token operator's queues at the level that owns each incident: ``mine`` (assigned to me),
    ``unassigned`` (my level, nobody's), ``escalated`` (arrived at my level, not yet picked up), ``open``
    (all open at my level), ``closed``. ``total`` is capped at 1001 (shown as "1000+" on the desk)."""
    items, total = ct.operators.queue(op, queue, level=level, limit=limit, offset=offset)
    page = IncidentPage(total=total, limit=limit, offset=offset, items=[IncidentOut.model_validate(i) for i in items])
    return JSONResponse(page.model_dump(mode="json", exclude={"items": {"__all__": {"events"}}}))


@router.get("/{incident_id}", responses={200: {"model": IncidentOut}, **errors(404)})
async def get_incident(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """One incident with its path and timeline: the same JSON as `calltriage incident show --json`."""
    return JSONResponse(await read(ct, incident_json, ct.services.store, incident_id))


@router.get("/{incident_id}/next", responses={200: {"model": StepOut}, **errors(404)})
def next_step(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """The step the incident waits for (``node`` null once it is closed or handed off)."""
    return JSONResponse(ct.services.incidents.next_step(incident_id))


@router.get("/{incident_id}/actions", responses={200: {"model": ActionsOut}, **errors(404)})
def actions(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """What the token's operator may do now: the closes the step allows, escalations, overrides, owners."""
    return JSONResponse(ct.services.cases.actions(incident_id, op.actor).model_dump(mode="json"))


@router.post("/{incident_id}/answer", responses=CHANGED)
def answer(incident_id: IncidentId, body: AnswerBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Answer the step ``node`` seen at ``revision`` (both required; 409 if someone answered first).

    With a SIP server configured, probes then answer the checks that follow, in the background
    (follow them at ``GET …/triage``); the response is the incident right after the answer."""
    view = ct.services.cases.answer(incident_id, body.outcome, actor=op.actor, note=body.note, node=body.node,
                                    revision=body.revision)
    ct.dispatcher.poke()
    follow_up(ct, view, op)
    return _out(view)


@router.post("/{incident_id}/override", responses=CHANGED)
def override(incident_id: IncidentId, body: OverrideBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Override an earlier verdict with a recorded reason; the incident continues from there. Only the
    level that owns the incident (or an admin) overrides, and never on a closed incident (reopen it)."""
    view = ct.services.cases.override(incident_id, body.node, body.outcome, actor=op.actor, reason=body.reason,
                                      revision=body.revision)
    ct.dispatcher.poke()
    follow_up(ct, view, op)
    return _out(view)


@router.post("/{incident_id}/reopen", responses=CHANGED)
def reopen(incident_id: IncidentId, body: ReopenBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Reopen a closed incident at the step that closed it (the closing level or above)."""
    return _out(ct.services.cases.reopen(incident_id, actor=op.actor, reason=body.reason, revision=body.revision))


@router.post("/{incident_id}/notes", responses={200: {"model": IncidentOut}, **errors(404, 409)})
def add_note(incident_id: IncidentId, body: NoteBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Add a note to the timeline (any operator, any level)."""
    return _out(ct.services.cases.note(incident_id, body.text, actor=op.actor))


@router.post("/{incident_id}/escalate", responses=CHANGED)
def escalate(incident_id: IncidentId, body: EscalateBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Escalate by hand to the next level, with a note (required)."""
    view = ct.services.cases.escalate(incident_id, body.request, actor=op.actor, note=body.note,
                                      revision=body.revision, node=body.node)
    ct.dispatcher.poke()
    return _out(view)


@router.post("/{incident_id}/close", responses=CHANGED)
def close(incident_id: IncidentId, body: CloseBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Close by hand with a resolution the current step leads to; others need ``anyway`` and a ``note``."""
    view = ct.services.cases.close(incident_id, body.resolution, actor=op.actor, note=body.note,
                                   revision=body.revision, node=body.node, anyway=body.anyway)
    ct.dispatcher.poke()
    return _out(view)


@router.post("/{incident_id}/take", responses=CHANGED)
def take(incident_id: IncidentId, body: OwnerBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Take the incident (your level): 409 if someone else owns it, unless you pass the ``revision`` you saw."""
    return _out(ct.services.cases.take(incident_id, actor=op.actor, revision=body.revision))


@router.post("/{incident_id}/assign", responses=CHANGED)
def assign(incident_id: IncidentId, body: AssignBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Assign the incident to an operator of its level."""
    return _out(ct.services.cases.assign(incident_id, body.operator, actor=op.actor, revision=body.revision))


@router.post("/{incident_id}/release", responses=CHANGED)
def release(incident_id: IncidentId, body: OwnerBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Release the incident to its level's unassigned queue."""
    return _out(ct.services.cases.release(incident_id, actor=op.actor, revision=body.revision))
