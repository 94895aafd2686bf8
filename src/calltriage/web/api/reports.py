"""/api/v1/reports: resolutions, categories against the seed's split, escalations, time per level, nodes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from calltriage.web.api.schemas import Loose, Text, errors
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse
from calltriage.web.reporting import report

router = APIRouter(prefix="/reports", tags=["reports"])
When = Annotated[Text | None, Query(max_length=40, description="YYYY-MM-DD or an ISO datetime (UTC).")]


@router.get("/summary", responses={200: {"model": Loose}, **errors(400)})
def summary(ct: Ct, op: ApiOperator, since: When = None, until: When = None,
            playbook: Annotated[Text | None, Query(max_length=120)] = None) -> JSONResponse:
    """The whole report for incidents opened in [since, until): the same data as the desk's reports page."""
    return JSONResponse(report(ct.services.store, since=since, until=until, playbook=playbook,
                               targets=ct.settings.level_targets))
