"""/api/v1/majors: major incidents (one server-side finding shared by several open incidents)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from calltriage.web.api.schemas import MAX_ID, Loose, Text, _Body, errors
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse

router = APIRouter(prefix="/majors", tags=["major incidents"])
MajorId = Annotated[int, Path(ge=1, le=MAX_ID, description="Major incident id.")]


class CloseMajorBody(_Body):
    resolution: Text = Field("server-fault", max_length=80, description="Resolution code for every linked incident.")
    category: Text = Field("server", max_length=40, description="Root-cause category.")
    note: Text = Field("", max_length=10_000, description="What was done; added to every linked incident.")


@router.get("", responses={200: {"model": list[Loose]}, **errors(400)})
def list_majors(ct: Ct, op: ApiOperator, status: Literal["open", "closed"] | None = None) -> JSONResponse:
    """Major incidents, newest first, with the number of incidents each links (`calltriage major list`)."""
    return JSONResponse(ct.services.majors.list(status))


@router.post("/scan", responses={200: {"model": list[Loose]}, **errors()})
def scan(ct: Ct, op: ApiOperator) -> JSONResponse:
    """Group the open incidents that share a server-side finding now (probes do it as they run)."""
    majors = ct.services.majors.scan()
    ct.dispatcher.poke()
    return JSONResponse(majors)


@router.get("/{major_id}", responses={200: {"model": Loose}, **errors(404)})
def get_major(major_id: MajorId, ct: Ct, op: ApiOperator) -> JSONResponse:
    """A major incident with its finding and its linked incidents (`calltriage major show --json`)."""
    return JSONResponse(ct.services.majors.get(major_id))


@router.post("/{major_id}/close", responses={200: {"model": Loose}, **errors(400, 403, 404)})
def close_major(major_id: MajorId, body: CloseMajorBody, ct: Ct, op: ApiOperator) -> JSONResponse:
    """Close the major incident and every linked open incident with its resolution and a note (level 2+)."""
    view = ct.services.majors.close(major_id, resolution=body.resolution, category=body.category, note=body.note,
                                    actor=op.actor)
    ct.dispatcher.poke()
    return JSONResponse(view)
