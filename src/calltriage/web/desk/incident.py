"""The incident page: parties, owner, the current step and its neighbourhood, readable evidence,
client logs and the dossier, the timeline, the playbook graph, and the action forms.

Every form carries the step and revision it was rendered for. When an action fails (someone
was faster, a rule refused it, the text was too long) the page is rendered again with the
error and the operator's text kept in the form (``draft``), never a redirect that loses it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from calltriage.errors import CalltriageError
from calltriage.services.rules import step_title, title_of
from calltriage.web.api.schemas import MAX_ID
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.render import page
from calltriage.web.desk.timeline import outcome_label, timeline
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
IncidentId = Annotated[int, Path(ge=1, le=MAX_ID)]
TEXT_FIELDS = ("note", "text", "reason", "summary")


def neighbourhood(spec: Any, view: Any) -> dict[str, Any]:
    """The current step large: where the incident came from and where each answer leads."""
    before = [n for n in view.path if n != view.current][-2:]
    node = spec.nodes.get(view.current) if view.current else None
    after = [{"outcome": name, "label": o.label or name, "title": title_of(spec, o.next), "node": o.next,
              "kind": spec.node(o.next).kind.value} for name, o in node.outcomes.items()] if node else []
    return {"before": [{"node": n, "title": title_of(spec, n)} for n in before], "after": after}


def render_incident(request: Request, op: Any, incident_id: int, *, draft: dict[str, Any] | None = None,
                    error: str | None = None, status: int = 200, confirm: dict[str, Any] | None = None) -> Response:
    ct = state(request)
    cases = ct.services.cases
    view = cases.get(incident_id)
    spec = ct.services.catalog.pinned(view.playbook, view.playbook_version)
    node = spec.node(view.current) if view.current else None
    events = timeline(list(view.events or []), spec)
    job = ct.jobs.status(incident_id)
    # a watch step: what the server showed so far ("no evidence yet" offers "watch again")
    watch = ct.services.incidents.next_step(incident_id).get("watch") if node else None
    parts = ct.services.incidents.walked(view.model_dump())
    kept = {k: v for k, v in (draft or {}).items() if k in TEXT_FIELDS and isinstance(v, str) and v.strip()}
    return page(request, "incident.html", {
        "i": view, "spec": spec, "node": node, "title": step_title(node),
        "choices": [(k, o.label or k) for k, o in node.outcomes.items()] if node else [],
        "acts": cases.actions(incident_id, op.actor, view),
        "job": job,
        "watch": watch,
        # While probes run the page reloads itself (no JavaScript needed) to show the next instruction.
        "refresh": 3 if job["state"] == "running" and not draft else None,
        "probes": [e for e in events if e["result"] and not e["superseded"]][-8:],
        "events": events,
        "near": neighbourhood(spec, view),
        "graph": ct.graphs.svg_family(parts),
        "walked": [(p.id, p.title, p.version) for p, _ in parts],
        "files": cases.attachments(incident_id),
        "draft": draft or {}, "kept": kept, "error": error, "confirm": confirm,
        "resolution_title": title_of(spec, next((e.node for e in reversed(view.events or [])
                                                 if e.kind == "closed"), None)),
        "outcome_label": lambda n, o: outcome_label(spec, n, o),
    }, status=status)


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, op: DeskOperator, incident_id: IncidentId) -> Response:
    return render_incident(request, op, incident_id)


def failed(request: Request, op: Any, incident_id: int, exc: CalltriageError, draft: dict[str, Any]) -> Response:
    """The page again, with the one-line error and everything the operator typed."""
    if exc.http_status == 404:
        raise exc
    return render_incident(request, op, incident_id, draft=draft, error=exc.message, status=exc.http_status)
