"""The desk: server-rendered pages for L1/L2/L3 operators (session login, CSRF-protected forms)."""

from __future__ import annotations

from fastapi import APIRouter

from calltriage.web.desk import admin, auth, incident, intake, majors, queues, reports


def router() -> APIRouter:
    desk = APIRouter(include_in_schema=False)
    for sub in (auth.router, queues.router, incident.router, incident.actions, intake.router, intake.actions,
                majors.router, majors.actions, reports.router, admin.router):
        desk.include_router(sub)
    return desk
