"""The desk: server-rendered pages for L1/L2/L3 operators (session login, CSRF-protected forms).

Pages are routers of their own; a new page adds its router below and, when it belongs in the
header menu, an entry to ``render.NAV`` (``base.html`` renders it, collapsed on phones).
"""

from __future__ import annotations

from fastapi import APIRouter

from calltriage.web.desk import actions, admin, auth, incident, intake, majors, queues, records, reports


def router() -> APIRouter:
    desk = APIRouter(include_in_schema=False)
    for sub in (auth.router, queues.router, records.router, incident.router, actions.actions, records.posts,
                intake.router, intake.actions, majors.router, majors.actions, reports.router, admin.router):
        desk.include_router(sub)
    return desk
