"""The "major incidents" view: server-side findings shared by several incidents, and closing them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import Response

from calltriage.domain.model import Category
from calltriage.errors import CalltriageError
from calltriage.web.api.schemas import MAX_ID
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
actions = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
MajorId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/majors")
def majors_page(request: Request, op: DeskOperator, status: Literal["", "open", "closed"] = "") -> Response:
    majors = state(request).services.majors.list(status or None)
    return page(request, "majors.html", {"majors": majors, "status": status})


@router.get("/majors/{major_id}")
def major_page(request: Request, op: DeskOperator, major_id: MajorId) -> Response:
    major = state(request).services.majors.get(major_id)
    return page(request, "major.html", {"m": major, "categories": [c.value for c in Category],
                                        "can_close": major["status"] == "open" and (op.actor.level or 3) >= 2})


@actions.post("/majors/scan")
def scan(request: Request, op: DeskOperator) -> Response:
    found = state(request).services.majors.scan()
    state(request).dispatcher.poke()
    return redirect(request, "/majors", f"{len(found)} major incident(s) proposed or updated.")


@actions.post("/majors/{major_id}/close")
def close(request: Request, op: DeskOperator, major_id: MajorId,
          resolution: Annotated[str, Form(max_length=80)] = "server-fault",
          category: Annotated[str, Form(max_length=40)] = "server",
          note: Annotated[str, Form(max_length=10_000)] = "") -> Response:
    ct = state(request)
    back = f"/majors/{major_id}"
    try:
        major = ct.services.majors.close(major_id, resolution=resolution, category=category, note=note,
                                         actor=op.actor)
    except CalltriageError as exc:
        if exc.http_status == 404:
            raise
        return redirect(request, back, exc.message, "error")
    ct.dispatcher.poke()
    return redirect(request, back, f"Major incident {major_id} closed; {len(major['incidents'])} linked "
                                   f"incident(s) closed with {resolution}.")
