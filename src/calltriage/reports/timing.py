"""Time spent per level, and time to close, as medians computed in the database.

A level interval starts when the incident enters a level (``opened`` for the first level,
``escalated`` for the next) and ends at the next ``escalated``, ``closed`` or ``handed-off``
event of the same incident. Intervals still running count as ``in_progress`` and are left out
of the median. Medians use window functions (``ROW_NUMBER``/``COUNT OVER``), which SQLite
(3.25+) and PostgreSQL both have, so no timestamp leaves the database.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Subquery, extract, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind, IncidentStatus
from calltriage.reports.scope import Scope
from calltriage.store.models import Event, Incident

_STARTS = (EventKind.OPENED.value, EventKind.ESCALATED.value)
_BOUNDARIES = (*_STARTS, EventKind.CLOSED.value, EventKind.HANDED_OFF.value)


def seconds_between(start: Any, end: Any, *, sqlite: bool) -> ColumnElement[float]:
    if sqlite:
        # SQLite keeps timestamps as ISO text; julianday() turns them into days.
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return type_coerce(extract("epoch", end - start), Float)


def medians(session: Session, rows: Subquery) -> dict[Any, tuple[float, int]]:
    """{group: (median seconds, count)} for a subquery with columns ``grp`` and ``seconds``."""
    ranked = select(
        rows.c.grp, rows.c.seconds,
        func.row_number().over(partition_by=rows.c.grp, order_by=rows.c.seconds).label("rn"),
        func.count().over(partition_by=rows.c.grp).label("n"),
    ).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    result = session.execute(select(ranked.c.grp, func.avg(ranked.c.seconds), func.max(ranked.c.n))
                             .where(middle).group_by(ranked.c.grp))
    return {grp: (float(median), int(n)) for grp, median, n in result}


def time_per_level(session: Session, scope: Scope, *, sqlite: bool) -> list[dict[str, Any]]:
    next_at = func.lead(Event.at).over(partition_by=Event.incident_id, order_by=Event.seq)
    bounds = scope.events(
        select(Event.kind, Event.level, Event.at, next_at.label("next_at"))
        .where(Event.kind.in_(_BOUNDARIES))).subquery()
    starts = bounds.c.kind.in_(_STARTS)
    done = select(bounds.c.level.label("grp"),
                  seconds_between(bounds.c.at, bounds.c.next_at, sqlite=sqlite).label("seconds")
                  ).where(starts, bounds.c.next_at.is_not(None)).subquery()
    found = medians(session, done)
    # A level entered and not left yet: a closed or handed-off incident always has its
    # closed/handed-off event after its last start, so no status check (and no join) is needed.
    running: dict[int, int] = dict(session.execute(
        select(bounds.c.level, func.count()).where(starts, bounds.c.next_at.is_(None))
        .group_by(bounds.c.level)).all())
    levels = sorted({int(x) for x in found} | {int(x) for x in running})
    return [{"level": level,
             "median_seconds": round(found[level][0], 3) if level in found else None,
             "intervals": found[level][1] if level in found else 0,
             "in_progress": int(running.get(level, 0))} for level in levels]


def time_to_close(session: Session, scope: Scope, *, sqlite: bool) -> dict[str, Any]:
    done = scope.apply(
        select(Incident.status.label("grp"),
               seconds_between(Incident.opened_at, Incident.closed_at, sqlite=sqlite).label("seconds"))
        .where(Incident.closed_at.is_not(None),
               Incident.status.in_([IncidentStatus.CLOSED.value, IncidentStatus.HANDED_OFF.value]))
    ).subquery()
    found = medians(session, done)
    out = {}
    for status in (IncidentStatus.CLOSED.value, IncidentStatus.HANDED_OFF.value):
        median, n = found.get(status, (None, 0))
        out[status] = {"median_seconds": None if median is None else round(median, 3), "incidents": n}
    return out
