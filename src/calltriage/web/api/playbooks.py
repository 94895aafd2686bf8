"""/api/v1/playbooks: list, get, render (Mermaid, DOT, or SVG drawn by Graphviz on the server)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from calltriage.engine.render import family_to_dot, family_to_mermaid
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import CalltriageError, InvalidAnswer
from calltriage.web.api.schemas import MAX_ID, Loose, Text, errors
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse

router = APIRouter(prefix="/playbooks", tags=["playbooks"])
PlaybookId = Annotated[Text, Path(max_length=120, description="Playbook id (its file name).")]


def playbook_view(spec: PlaybookSpec) -> dict[str, Any]:
    """The same shape as `calltriage playbook show --json`."""
    nodes = [{"id": n.id, "kind": n.kind.value, "level": n.level, "prompt": n.prompt, "help": n.help,
              "outcomes": {k: o.next for k, o in n.outcomes.items()}, "probe": n.probe,
              "resolution": n.resolution, "category": n.category, "request": n.request,
              "to_level": n.to_level, "playbook": n.playbook} for n in spec.nodes.values()]
    return {"id": spec.id, "title": spec.title, "version": spec.version, "start": spec.start,
            "entries": dict(spec.entries), "external": {k: v.title for k, v in spec.external.items()},
            "nodes": nodes}


@router.get("", responses={200: {"model": list[Loose]}, **errors()})
def list_playbooks(ct: Ct, op: ApiOperator) -> JSONResponse:
    """Playbooks in the playbook folder (current versions)."""
    return JSONResponse([{"id": s.id, "title": s.title, "version": s.version, "nodes": len(s.nodes),
                          "description": s.description} for s in ct.services.catalog.all()])


@router.get("/{playbook_id}", responses={200: {"model": Loose}, **errors(404)})
def get_playbook(playbook_id: PlaybookId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """A playbook's nodes, outcomes, entries and external playbooks."""
    return JSONResponse(playbook_view(ct.services.catalog.current(playbook_id)))


@router.get("/{playbook_id}/render", responses={200: {"model": Loose}, **errors(400, 404)})
def render(playbook_id: PlaybookId, ct: Ct, op: ApiOperator,
           format: Literal["mermaid", "dot", "svg"] = "mermaid",
           incident: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Draw this incident's path.")] = None,
           ) -> JSONResponse:
    """Draw a playbook; with ``incident``, every playbook it walked (pinned versions, handoffs linked) and its path."""
    path: list[str] = []
    walked: list[dict[str, Any]] = []
    if incident is not None:
        view = ct.services.incidents.get(incident)
        parts = ct.services.incidents.walked(view)
        ids = [p.id for p, _ in parts]
        if playbook_id not in ids:
            raise InvalidAnswer(f"incident {incident} ran {', '.join(ids)}, not {playbook_id}: render {ids[-1]}")
        spec, path, walked = parts[-1][0], view["path"], view["playbooks"]
    else:
        parts = [(ct.services.catalog.current(playbook_id), [])]
        spec = parts[0][0]
    if format == "svg":
        text = ct.graphs.svg_family(parts)
        if text is None:
            raise CalltriageError("Graphviz dot is not available on the server (apt install graphviz): "
                                  "use format=mermaid or format=dot")
    else:
        text = family_to_mermaid(parts) if format == "mermaid" else family_to_dot(parts)
    return JSONResponse({"playbook": spec.id, "version": spec.version, "format": format, "path": path,
                         "playbooks": walked, "text": text})
