"""/api/v1 triage: open an incident and let the probes run, continue one, follow a job; the probe list.

Probes run in background jobs (``services.jobs``): a watch probe may wait two minutes for the
user, so these routes answer 202 at once and ``GET …/triage`` tells what the job is doing,
including the instruction the operator must give the user while the server is watched.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from calltriage.services.queues import brief
from calltriage.web.api.schemas import MAX_ID, JobOut, Loose, OpenIncident, errors
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse
from calltriage.web.state import WebState
from calltriage.web.triage import may_probe, may_watch

router = APIRouter(tags=["triage"])
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Incident id.")]


def _accepted(ct: WebState, incident_id: int) -> JSONResponse:
    body = {"incident": incident_id, "job": ct.jobs.status(incident_id)}
    return JSONResponse(body, status_code=202, headers={"Location": f"/api/v1/incidents/{incident_id}/triage"})


@router.post("/triage", status_code=202, responses={202: {"model": JobOut}, **errors(400, 404)})
def open_and_triage(body: OpenIncident, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Open an incident and run the probes in the background; follow it at ``GET …/{id}/triage``."""
    from calltriage.web.api.incidents import open_view

    view = open_view(ct, body, op)
    ct.jobs.submit(view.id, actor=op.actor, kind="triage")
    return _accepted(ct, view.id)


@router.post("/incidents/{incident_id}/triage", status_code=202,
             responses={202: {"model": JobOut}, **errors(403, 404, 409)})
def start(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Run the probes for the incident's current step and every check after it (409 if they already run)."""
    may_probe(ct, op, brief(ct.services.store, incident_id))
    ct.jobs.submit(incident_id, actor=op.actor)
    return _accepted(ct, incident_id)


@router.post("/incidents/{incident_id}/watch", status_code=202,
             responses={202: {"model": JobOut}, **errors(403, 404, 409, 422)})
def watch_again(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Watch the server again for the user's action on the current watch step (force a reconnection,
    place a test call), looking from the moment the user was first asked; then the probes go on.
    422 when the current step asks the user for nothing; follow the job at ``GET …/triage``."""
    may_watch(ct, op, brief(ct.services.store, incident_id))
    ct.jobs.submit(incident_id, actor=op.actor, kind="watch")
    return _accepted(ct, incident_id)


@router.get("/incidents/{incident_id}/triage", responses={200: {"model": Loose}, **errors(404)})
def status(incident_id: IncidentId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """The incident's probe job: ``state`` idle|running|done|failed, the probe running, the instruction
    for the user while a watch probe waits, what was probed, and ``waiting_for`` (the step left to a person)."""
    brief(ct.services.store, incident_id)  # 404 for an unknown incident
    return JSONResponse(ct.jobs.status(incident_id))


@router.get("/probes", responses={200: {"model": list[Loose]}, **errors()})
def probes(ct: Ct, op: ApiOperator) -> JSONResponse:
    """Every registered probe: name, title, parameters, whether it watches for the user's action."""
    return JSONResponse(probe_list())


def probe_list() -> list[dict[str, Any]]:
    from calltriage.errors import CalltriageError
    from calltriage.probes.registry import get_probe, known_probe_names

    out: list[dict[str, Any]] = []
    for name in sorted(known_probe_names()):
        try:
            probe = get_probe(name)
        except CalltriageError as exc:
            out.append({"name": name, "title": None, "params": [], "watch": False, "available": False,
                        "reason": exc.message})
            continue
        out.append({"name": name, "title": probe.title, "params": list(probe.params),
                    "watch": bool(getattr(probe, "watch", False)), "available": True})
    return out
