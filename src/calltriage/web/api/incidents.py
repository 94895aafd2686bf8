"""/api/v1/incidents: open, list, get, next step, answer, override, note, escalate, close; queues.

Every handler is a thin call into ``IncidentService`` with the token's operator as ``Actor``;
level checks and concurrency (409) live in the service, shared with the CLI and the desk.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from calltriage.services.operators import OperatorInfo
from calltriage.services.queues import incident_json
from calltriage.web.api.schemas import (
    MAX_ID,
    AnswerBody,
    CloseBody,
    EscalateBody,
    IncidentOut,
    IncidentPage,
    NoteBody,
    OpenIncident,
    OverrideBody,
    StepOut,
    Text,
    errors,
)
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse
from calltriage.web.reads import read
from calltriage.web.resolve import close_node
from calltriage.web.state import WebState
from calltriage.web.triage import follow_up

router = APIRouter(prefix="/incidents", tags=["incidents"])
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Incident id.")]


def open_view(ct: WebState, body: OpenIncident, op: OperatorInfo) -> dict[str, Any]:
    """Open from the API body: with ``intake``, routed by its complaint (``playbook`` overrides)."""
    if body.intake is not None:
        from calltriage.services.intake import IntakeService, clean_record, prefill_once

        record = clean_record(**body.intake.record())
        known = prefill_once(ct.jobs.settings, body.caller) if body.intake.prefill else None
        if known and not record["edition"] and known.get("edition"):
            record["edition"] = known["edition"]
        return IntakeService(ct.services.incidents).open(caller=body.caller, callee=body.callee, record=record,
                                                         actor=op.actor, playbook=body.playbook,
                                                         summary=body.summary, reporter=body.reporter,
                                                         prefilled=known)
    return ct.services.incidents.open(playbook_id=body.playbook or "user-cant-call-professional",
                                      caller=body.caller, callee=body.callee, summary=body.summary,
                                      reporter=body.reporter, actor=op.actor)


@router.post("", status_code=201, responses={201: {"model": IncidentOut}, **errors(400, 404)})
def open_incident(body: OpenIncident, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Open an incident on a playbook; it starts at the playbook's first step.

    With ``intake`` the Kepner-Tregoe record is stored and its complaint proposes the playbook
    (``GET /api/v1/intake/propose``); a ``playbook`` given with it is the operator's choice instead."""
    view = open_view(ct, body, op)
    return JSONResponse(view, status_code=201, headers={"Location": f"/api/v1/incidents/{view['id']}"})


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
    items, total = ct.services.incidents.list_incidents(status=status, level=level, query=q, limit=limit,
                                                        offset=offset)
    return JSONResponse({"total": total, "limit": limit, "offset": offset, "items": items})


@router.get("/queues/{queue}", responses={200: {"model": IncidentPage}, **errors(400)})
def queue(ct: Ct, op: ApiOperator, queue: Literal["open", "mine", "escalated", "closed"],
          level: Annotated[int | None, Query(ge=1, le=3, description="Admins: which level.")] = None,
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> JSONResponse:
    """The token operator's queue at their level: open, waiting for them (mine), new escalations, closed.

    ``total`` is capped at 1001 (shown as "1000+" on the desk)."""
    items, total = ct.operators.queue(op, queue, level=level, limit=limit, offset=offset)
    return JSONResponse({"total": total, "limit": limit, "offset": offset, "items": items})


@router.get("/{incident_id}", responses={200: {"model": IncidentOut}, **errors(404)})
async def get_incident(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """One incident with its path and timeline: the same JSON as `calltriage incident show --json`."""
    return JSONResponse(await read(ct, incident_json, ct.services.store, incident_id))


@router.get("/{incident_id}/next", responses={200: {"model": StepOut}, **errors(404)})
def next_step(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """The step the incident waits for (``node`` null once it is closed or handed off)."""
    return JSONResponse(ct.services.incidents.next_step(incident_id))


@router.post("/{incident_id}/answer", responses={200: {"model": IncidentOut}, **errors(403, 404, 409)})
def answer(incident_id: IncidentId, body: AnswerBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Answer the step ``node`` seen at ``revision`` (both required; 409 if someone answered first).

    With a SIP server configured, probes then answer the checks that follow, in the background
    (follow them at ``GET …/triage``); the response is the incident right after the answer."""
    view = ct.services.incidents.answer(incident_id, body.outcome, actor=op.actor, note=body.note, node=body.node,
                                        revision=body.revision)
    ct.dispatcher.poke()
    follow_up(ct, view, op)
    return JSONResponse(view)


@router.post("/{incident_id}/override", responses={200: {"model": IncidentOut}, **errors(403, 404, 409)})
def override(incident_id: IncidentId, body: OverrideBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Override an earlier verdict with a recorded reason; the incident continues from there."""
    view = ct.services.incidents.override(incident_id, body.node, body.outcome, actor=op.actor, reason=body.reason)
    ct.dispatcher.poke()
    follow_up(ct, view, op)
    return JSONResponse(view)


@router.post("/{incident_id}/notes", responses={200: {"model": IncidentOut}, **errors(404, 409)})
def add_note(incident_id: IncidentId, body: NoteBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Add a note to the timeline (any operator, any level)."""
    return JSONResponse(ct.services.incidents.add_note(incident_id, body.text, actor=op.actor))


@router.post("/{incident_id}/escalate", responses={200: {"model": IncidentOut}, **errors(403, 404, 409)})
def escalate(incident_id: IncidentId, body: EscalateBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Escalate by hand to the level that handles ``request``."""
    view = ct.services.incidents.escalate(incident_id, body.request, actor=op.actor, note=body.note,
                                          revision=body.revision)
    ct.dispatcher.poke()
    return JSONResponse(view)


@router.post("/{incident_id}/close", responses={200: {"model": IncidentOut}, **errors(403, 404, 409)})
def close(incident_id: IncidentId, body: CloseBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Close by hand with one of the playbook's resolutions (resolution code or close node id)."""
    node = close_node(ct.services, incident_id, body.resolution)
    view = ct.services.incidents.close(incident_id, node, actor=op.actor, note=body.note, revision=body.revision)
    ct.dispatcher.poke()
    return JSONResponse(view)
