"""/api/v1/intake: the complaint matrix and the entry playbook a complaint proposes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from calltriage.domain.intake import COMPLAINTS
from calltriage.services.intake import IntakeService
from calltriage.web.api.schemas import Loose, Text, errors
from calltriage.web.deps import ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse

router = APIRouter(prefix="/intake", tags=["intake"])


@router.get("/complaints", responses={200: {"model": list[Loose]}, **errors()})
def complaints(ct: Ct, op: ApiOperator) -> JSONResponse:
    """The complaint matrix (= `calltriage intake complaints --json`)."""
    return JSONResponse([{"id": c.id, "category": c.category, "label": c.label, "playbook": c.playbook,
                          "note": c.note} for c in COMPLAINTS])


@router.get("/propose", responses={200: {"model": Loose}, **errors(400)})
def propose(ct: Ct, op: ApiOperator, complaint: Annotated[Text, Query(max_length=40)],
            edition: Annotated[Text, Query(max_length=20)] = "",
            error_message: Annotated[Text, Query(max_length=1_000)] = "") -> JSONResponse:
    """The entry playbook the complaint leads to, and what the error-message catalogue says
    (= `calltriage intake propose --json`); the operator confirms it when opening."""
    return JSONResponse(IntakeService(ct.services.incidents).propose(complaint, edition=edition or None,
                                                                     error_message=error_message))
