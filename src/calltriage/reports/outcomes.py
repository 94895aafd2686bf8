"""How incidents ended: status counts, resolutions, root-cause categories, handoffs, sources.

All counting is ``GROUP BY`` in the database: the desk asks for these over 100,000 incidents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from calltriage.domain.model import Category, EventKind, IncidentStatus
from calltriage.reports.scope import Scope, share
from calltriage.store.models import Event, Incident

# The seed: "can't call" is caused about equally by misconfigurations (client or server) and by
# connection issues (the seed procedure's introduction; docs/reports.md, root-cause categories).
SEED_PAIR = (Category.MISCONFIGURATION.value, Category.CONNECTION.value)
DEFAULT_TOLERANCE = 0.10


def status_counts(session: Session, scope: Scope) -> dict[str, Any]:
    rows = session.execute(scope.apply(select(Incident.status, func.count()).group_by(Incident.status))).all()
    counts = {s.value: 0 for s in IncidentStatus}
    counts.update({str(status): int(n) for status, n in rows})
    open_rows = session.execute(scope.apply(
        select(Incident.level, func.count()).where(Incident.status == IncidentStatus.OPEN.value)
        .group_by(Incident.level))).all()
    return {
        "total": sum(counts.values()),
        "by_status": counts,
        "open_by_level": {str(level): int(n) for level, n in sorted(open_rows)},
    }


def resolutions(session: Session, scope: Scope) -> list[dict[str, Any]]:
    rows = session.execute(scope.apply(
        select(Incident.resolution, Incident.category, func.count())
        .where(Incident.status == IncidentStatus.CLOSED.value)
        .group_by(Incident.resolution, Incident.category))).all()
    closed = sum(int(n) for *_, n in rows)
    out = [{"resolution": r, "category": c, "count": int(n), "share": share(int(n), closed)}
           for r, c, n in rows]
    return sorted(out, key=lambda row: (-row["count"], str(row["resolution"])))


def handoffs(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Incidents per handoff target, from the timeline's ``handed-off`` events: a handoff into an
    existing playbook continues the incident there, so the incident's status no longer says it."""
    playbook, category = Event.data["playbook"].as_string(), Event.data["category"].as_string()
    rows = session.execute(scope.events(
        select(playbook, category, func.count(distinct(Event.incident_id)))
        .where(Event.kind == EventKind.HANDED_OFF.value)
        .group_by(playbook, category))).all()
    total = sum(int(n) for *_, n in rows)
    out = [{"playbook": h, "category": c, "count": int(n), "share": share(int(n), total)} for h, c, n in rows]
    return sorted(out, key=lambda row: (-row["count"], str(row["playbook"])))


def categories(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Root-cause categories of every decided incident: closes and handoffs (e.g. connection-issues)."""
    rows = session.execute(scope.apply(
        select(Incident.category, Incident.status, func.count())
        .where(Incident.category.is_not(None),
               Incident.status.in_([IncidentStatus.CLOSED.value, IncidentStatus.HANDED_OFF.value]))
        .group_by(Incident.category, Incident.status))).all()
    by_cat: dict[str, dict[str, int]] = {c.value: {"closed": 0, "handed_off": 0} for c in Category}
    for category, status, n in rows:
        slot = by_cat.setdefault(str(category), {"closed": 0, "handed_off": 0})
        slot["closed" if status == IncidentStatus.CLOSED.value else "handed_off"] += int(n)
    decided = sum(v["closed"] + v["handed_off"] for v in by_cat.values())
    out = []
    for cat, v in by_cat.items():
        count = v["closed"] + v["handed_off"]
        out.append({"category": cat, "count": count, "share": share(count, decided), **v})
    return sorted(out, key=lambda row: (-row["count"], row["category"]))


def seed_split(cats: list[dict[str, Any]], tolerance: float = DEFAULT_TOLERANCE) -> dict[str, Any]:
    """The seed's claim, checked: misconfiguration and connection shares differ by at most ``tolerance``."""
    counts = {row["category"]: row["count"] for row in cats}
    decided = sum(counts.values())
    mis, conn = (counts.get(c, 0) for c in SEED_PAIR)
    mis_share, conn_share = share(mis, decided), share(conn, decided)
    difference = None if mis_share is None or conn_share is None else round(abs(mis_share - conn_share), 4)
    return {
        "decided": decided,
        "misconfiguration": mis,
        "connection": conn,
        "misconfiguration_share": mis_share,
        "connection_share": conn_share,
        "difference": difference,
        # 0.5 = exactly as many misconfigurations as connection issues.
        "balance": share(mis, mis + conn),
        "tolerance": tolerance,
        "within_tolerance": None if difference is None else difference <= tolerance + 1e-9,
    }


def sources(session: Session, scope: Scope, top: int = 10) -> dict[str, Any]:
    """Where incidents come from: who reported them and which callers complain most."""
    out: dict[str, Any] = {}
    for key, column in (("reporters", Incident.reporter), ("callers", Incident.caller)):
        count = func.count().label("n")
        rows = session.execute(scope.apply(
            select(column, count).group_by(column).order_by(count.desc(), column).limit(top))).all()
        distinct_n = session.scalar(scope.apply(select(func.count(distinct(column))))) or 0
        out[key] = [{"name": name, "count": int(n)} for name, n in rows]
        out[f"distinct_{key}"] = int(distinct_n)
    return out
