"""/api/v1/me, operators and webhook deliveries (the last two for admins)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from calltriage.web.api.schemas import MAX_ID, Loose, errors
from calltriage.web.deps import ApiAdmin, ApiOperator, Ct
from calltriage.web.jsonresp import JSONResponse

router = APIRouter(tags=["operators"])


@router.get("/me", responses={200: {"model": Loose}, **errors()})
def me(op: ApiOperator) -> JSONResponse:
    """The operator the token belongs to, with role and level (null level: admin, any level)."""
    return JSONResponse(op.to_dict())


@router.get("/operators", responses={200: {"model": list[Loose]}, **errors(403)})
def operators(ct: Ct, admin: ApiAdmin) -> JSONResponse:
    """Every operator (admins only)."""
    return JSONResponse([o.to_dict() for o in ct.operators.all()])


@router.get("/webhooks/deliveries", tags=["webhooks"], responses={200: {"model": list[Loose]}, **errors(403)})
def deliveries(ct: Ct, admin: ApiAdmin,
               status: Literal["pending", "delivered", "failed"] | None = None) -> JSONResponse:
    """Recent webhook deliveries, newest first, with attempts and the last error (admins only)."""
    return JSONResponse(ct.webhooks.deliveries(status=status))


@router.post("/webhooks/deliveries/{delivery_id}/retry", tags=["webhooks"],
             responses={200: {"model": Loose}, **errors(403, 404)})
def retry(delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)], ct: Ct, admin: ApiAdmin) -> JSONResponse:
    """Re-arm a failed delivery (admins only)."""
    ct.webhooks.retry(delivery_id)
    ct.dispatcher.poke()
    return JSONResponse({"id": delivery_id, "status": "pending"})
