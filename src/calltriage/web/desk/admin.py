"""Admin page: operators, webhook deliveries with their failures (retry by hand), and the SIP
server's backend with the checks it can answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import Response

from calltriage.probes.capabilities import server_capabilities
from calltriage.web.api.schemas import MAX_ID
from calltriage.web.deps import DeskAdmin
from calltriage.web.desk.guard import csrf_protect
from calltriage.web.desk.render import page, redirect
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)


@router.get("/admin")
def admin_page(request: Request, op: DeskAdmin) -> Response:
    ct = state(request)
    server = ct.jobs.settings
    now = time.time()
    return page(request, "admin.html", {
        "server": server_capabilities(server) if server is not None else None,
        "operators": ct.operators.all(),
        "hooks": ct.webhooks.settings,
        "failed": ct.webhooks.deliveries(status="failed"),
        "recent": ct.webhooks.deliveries(limit=30),
        "dispatcher_error": ct.dispatcher.last_error,
        "lockouts": [{"kind": lo.kind, "who": lo.who, "failures": lo.failures, "active": lo.until > now,
                      "until": datetime.fromtimestamp(lo.until, UTC).strftime("%Y-%m-%d %H:%M UTC")}
                     for lo in ct.throttle.recent()],
    })


@router.post("/admin/webhooks/{delivery_id}/retry", dependencies=[Depends(csrf_protect)])
def retry(request: Request, op: DeskAdmin, delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    ct = state(request)
    ct.webhooks.retry(delivery_id)
    ct.dispatcher.poke()
    return redirect(request, "/admin", f"Delivery {delivery_id} will be sent again.")
