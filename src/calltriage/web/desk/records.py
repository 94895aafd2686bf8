"""Opening incidents, running probes, client logs and the dossier on the desk.

Uploads go through the same use case as `calltriage incident attach` (size, type, gzip,
secrets redacted before anything is stored; a refused file leaves nothing behind). The dossier
is the one `calltriage incident dossier` writes, viewed in the browser or downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from starlette.responses import Response

from calltriage.errors import CalltriageError, Conflict, UploadRejected
from calltriage.services.attachments import MAX_LOG_BYTES
from calltriage.services.jobs import NO_SERVER
from calltriage.services.operators import OperatorInfo
from calltriage.services.queues import brief
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.incident import IncidentId, failed
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import WebState, state
from calltriage.web.triage import may_probe, may_watch

router = APIRouter(include_in_schema=False)
posts = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
DEFAULT_PLAYBOOK = "user-cant-call-professional"
TYPES = {"md": "text/markdown; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8"}


@router.get("/incidents/new")
def new_form(request: Request, op: DeskOperator) -> Response:
    ct = state(request)
    playbooks = [(s.id, s.title) for s in ct.services.catalog.all()]
    return page(request, "new.html", {"playbooks": playbooks, "form": {"probe": ct.jobs.configured,
                                                                          "playbook": DEFAULT_PLAYBOOK},
                                      "probes_notice": ct.jobs.status(0)["notice"]})


@posts.post("/incidents")
def open_incident(request: Request, op: DeskOperator, caller: Annotated[str, Form()],
                  callee: Annotated[str, Form()], summary: Annotated[str, Form()] = "",
                  playbook: Annotated[str, Form(max_length=120)] = "user-cant-call-professional",
                  reporter: Annotated[str, Form()] = "",
                  probe: Annotated[bool, Form()] = False) -> Response:
    ct = state(request)
    try:
        view = ct.services.cases.open(playbook_id=playbook, caller=caller, callee=callee, summary=summary,
                                      reporter=reporter, actor=op.actor)
    except CalltriageError as exc:
        playbooks = [(s.id, s.title) for s in ct.services.catalog.all()]
        form = {"caller": caller, "callee": callee, "summary": summary, "playbook": playbook, "reporter": reporter,
                "probe": probe}
        return page(request, "new.html", {"playbooks": playbooks, "form": form, "error": exc.message,
                                          "probes_notice": ct.jobs.status(0)["notice"]}, status=exc.http_status)
    done = f"Opened incident {view.id}."
    if probe:
        ct.jobs.submit(view.id, actor=op.actor, kind="triage")
        done += " Probes are running." if ct.jobs.configured else " " + NO_SERVER[0].upper() + NO_SERVER[1:] + "."
    return redirect(request, f"/incidents/{view.id}", done)


@posts.post("/incidents/{incident_id}/probes")
def run_probes(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    ct = state(request)
    done = ("Probes are running.", "info") if ct.jobs.configured else ("Probes started, but " + NO_SERVER + ".", "warn")
    return _submit_job(request, op, incident_id, may_probe, "advance", done)


@posts.post("/incidents/{incident_id}/watch")
def watch_again(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    """"Watch again" on a watch step that saw nothing (the same service call as the CLI and API)."""
    return _submit_job(request, op, incident_id, may_watch, "watch",
                       ("Watching the server again for the user's action.", "info"))


def _submit_job(request: Request, op: OperatorInfo, incident_id: int,
                allowed: Callable[[WebState, OperatorInfo, dict[str, Any]], None], kind: str,
                done: tuple[str, str]) -> Response:
    """Queue a probe job after ``allowed`` agreed; a refusal is a flash on the incident page (404 stays 404)."""
    ct = state(request)
    back = f"/incidents/{incident_id}"
    try:
        allowed(ct, op, brief(ct.services.store, incident_id))
        ct.jobs.submit(incident_id, actor=op.actor, kind=kind)
    except CalltriageError as exc:
        if exc.http_status == 404:
            raise
        return redirect(request, back, exc.message, "warn" if isinstance(exc, Conflict) else "error")
    return redirect(request, back, *done)


@posts.post("/incidents/{incident_id}/attachments")
async def attach(request: Request, op: DeskOperator, incident_id: IncidentId, log: UploadFile) -> Response:
    from starlette.concurrency import run_in_threadpool

    ct = state(request)
    # Read at most one byte past the limit: a bigger file is refused without holding all of it.
    data = await log.read(MAX_LOG_BYTES + 1)
    name = log.filename or "client.log"
    try:
        if not data:
            raise UploadRejected(f"{name} is empty: export the app's log again and attach that file")
        meta = await run_in_threadpool(ct.services.cases.attach, incident_id, name, data, actor=op.actor)
    except CalltriageError as exc:
        return await run_in_threadpool(failed, request, op, incident_id, exc, {"form": "attach"})
    hidden = sum((meta["meta"].get("redactions") or {}).values())
    return redirect(request, f"/incidents/{incident_id}#logs",
                    f"Attached {meta['filename']} ({meta['size']} bytes, {hidden} secret(s) redacted).")


@router.get("/incidents/{incident_id}/dossier")
def dossier(request: Request, op: DeskOperator, incident_id: IncidentId,
            fmt: Annotated[Literal["html", "md", "json"], Query(alias="format")] = "html",
            pseudonymise: bool = False, download: bool = False) -> Response:
    text = state(request).services.cases.dossier(incident_id, fmt, pseudonymise=pseudonymise)
    headers = {"Cache-Control": "no-store"}
    if download or fmt != "html":
        suffix = "-pseudonymised" if pseudonymise else ""
        headers["Content-Disposition"] = f'attachment; filename="incident-{incident_id}{suffix}.{fmt}"'
    return Response(text, media_type=TYPES[fmt], headers=headers)


@router.get("/incidents/{incident_id}/graph.svg")
def graph(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    """The whole playbook graph with the path, full size (the page shows it scaled, zoomable)."""
    ct = state(request)
    view = ct.services.cases.get(incident_id)
    svg = ct.graphs.svg_family(ct.services.incidents.walked(view.model_dump()))
    if svg is None:
        return redirect(request, f"/incidents/{incident_id}", "Graphviz `dot` is not installed: the path is listed "
                        "instead (apt install graphviz).", "warn")
    return Response(svg.replace('<svg class="graph"', '<svg xmlns="http://www.w3.org/2000/svg" class="graph"', 1),
                    media_type="image/svg+xml", headers={"Cache-Control": "no-store"})
