"""Escalations per level, from the timeline's ``escalated`` events (data: from_level, to_level, request)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind
from calltriage.reports.scope import Scope, share
from calltriage.store.models import Event


def escalations(session: Session, scope: Scope, total_incidents: int) -> dict[str, Any]:
    from_level = Event.data["from_level"].as_integer()
    to_level = Event.data["to_level"].as_integer()
    request = Event.data["request"].as_string()
    escalated = Event.kind == EventKind.ESCALATED.value
    rows = session.execute(scope.events(
        select(to_level, from_level, request, func.count()).where(escalated)
        .group_by(to_level, from_level, request))).all()
    # Incidents per target level (an override can replay an escalation: count each incident once).
    reached_rows = session.execute(scope.events(
        select(to_level, func.count(distinct(Event.incident_id))).where(escalated).group_by(to_level))).all()
    any_escalated = session.scalar(scope.events(
        select(func.count(distinct(Event.incident_id))).where(escalated))) or 0
    reached = {int(level): int(n) for level, n in reached_rows if level is not None}
    levels: dict[int, dict[str, Any]] = {}
    for to_lvl, from_lvl, req, n in rows:
        if to_lvl is None:
            continue
        slot = levels.setdefault(int(to_lvl), {"to_level": int(to_lvl), "count": 0, "from_levels": {},
                                               "requests": {}})
        slot["count"] += int(n)
        slot["from_levels"][str(from_lvl)] = slot["from_levels"].get(str(from_lvl), 0) + int(n)
        slot["requests"][str(req)] = slot["requests"].get(str(req), 0) + int(n)
    by_level = []
    for level in sorted(levels):
        slot = levels[level]
        slot["incidents"] = reached.get(level, 0)
        slot["share_of_incidents"] = share(slot["incidents"], total_incidents)
        by_level.append(slot)
    return {
        "total": sum(s["count"] for s in by_level),
        "incidents": int(any_escalated),
        "share_of_incidents": share(int(any_escalated), total_incidents),
        "by_level": by_level,
    }
