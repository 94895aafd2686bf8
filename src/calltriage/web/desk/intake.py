"""The intake page: the Kepner–Tregoe definition and description, the complaint, the proposed
playbook and the operator's confirmation (two steps: propose, then open)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from calltriage.domain.intake import COMPLAINTS, DIMENSIONS, NETWORK_TYPES
from calltriage.errors import CalltriageError
from calltriage.services.intake import IntakeService, clean_record
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
Short = Annotated[str, Form(max_length=200)]
Cell = Annotated[str, Form(max_length=2_000)]
Tiny = Annotated[str, Form(max_length=80)]


def _context(request: Request, form: dict[str, Any], **extra: Any) -> dict[str, Any]:
    ct = state(request)
    return {"form": form, "complaints": COMPLAINTS, "dimensions": DIMENSIONS, "networks": NETWORK_TYPES,
            "playbooks": [(s.id, s.title) for s in ct.services.catalog.all()], **extra}


def _ask_server(request: Request, caller: str) -> dict[str, Any] | None:
    """What the SIP server knows about the caller (one registrar probe), when a server is configured."""
    settings = state(request).jobs.settings
    if settings is None or not caller.strip():
        return None
    from calltriage.services.intake import prefill_once

    return prefill_once(settings, caller)


@router.get("/intake")
def intake_form(request: Request, op: DeskOperator) -> Response:
    return page(request, "intake.html", _context(request, {}))


@actions.post("/intake")
def intake(request: Request, op: DeskOperator, caller: Short, callee: Short, complaint: Tiny,
           definition: Annotated[str, Form(max_length=10_000)] = "", what_is: Cell = "", what_is_not: Cell = "",
           where_is: Cell = "", where_is_not: Cell = "", when_is: Cell = "", when_is_not: Cell = "",
           extent_is: Cell = "", extent_is_not: Cell = "",
           error_message: Annotated[str, Form(max_length=1_000)] = "", device: Short = "",
           app_version: Tiny = "", network_type: Tiny = "", edition: Tiny = "", playbook: Short = "",
           confirmed: Annotated[bool, Form()] = False) -> Response:
    cells = {"what_is": what_is, "what_is_not": what_is_not, "where_is": where_is, "where_is_not": where_is_not,
             "when_is": when_is, "when_is_not": when_is_not, "extent_is": extent_is, "extent_is_not": extent_is_not}
    form = {"caller": caller, "callee": callee, "complaint": complaint, "definition": definition, **cells,
            "error_message": error_message, "device": device, "app_version": app_version,
            "network_type": network_type, "edition": edition, "playbook": playbook}
    grid = {d: {"is": cells[f"{d}_is"], "is_not": cells[f"{d}_is_not"]} for d in DIMENSIONS}
    service = IntakeService(state(request).services.incidents)
    try:
        record = clean_record(complaint=complaint, definition=definition, description=grid,
                              error_message=error_message, device=device, app_version=app_version,
                              network_type=network_type, edition=edition)
        if not confirmed:  # step 1: show what the matrix proposes; the operator confirms or picks another
            known = _ask_server(request, caller)
            if known:  # pre-fill what the operator left empty; they see it and may change it
                form["app_version"] = form["app_version"] or known.get("app_version", "")
                form["edition"] = form["edition"] or known.get("edition", "")
            proposal = service.propose(complaint, edition=form["edition"] or None, error_message=error_message)
            form["playbook"] = proposal["playbook"]
            return page(request, "intake.html", _context(request, form, proposal=proposal, known=known))
        view = service.open(caller=caller, callee=callee, record=record, actor=op.actor, playbook=playbook or None)
    except CalltriageError as exc:
        return page(request, "intake.html", _context(request, form, error=exc.message), status=exc.http_status)
    routing = view["intake"]["routing"]
    how = "as proposed" if routing["chosen"] == routing["proposed"] else f"instead of {routing['proposed']}"
    return redirect(request, f"/incidents/{view['id']}",
                    f"Opened incident {view['id']} on {view['playbook']} ({how}).")
