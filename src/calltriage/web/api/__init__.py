"""/api/v1: the JSON API for other systems (ticketing, monitoring, chat), authenticated by tokens."""

from __future__ import annotations

from fastapi import APIRouter

from calltriage.web.api import admin, incidents, intake, majors, playbooks, reports, triage


def router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for module in (incidents, intake, majors, triage, playbooks, reports, admin):
        api.include_router(module.router)
    return api
