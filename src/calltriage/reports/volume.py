"""Volume over time and the open backlog: incidents opened per day, open incidents by age, and the
time spent per level against targets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from calltriage.reports.scope import Scope
from calltriage.store.models import Incident

# Seconds a level should take (median), unless the deployment sets its own (CALLTRIAGE_LEVEL_TARGETS).
DEFAULT_TARGETS = {1: 30 * 60, 2: 4 * 3600, 3: 3 * 86400}
AGES = ((3600, "under 1 h"), (4 * 3600, "1–4 h"), (86400, "4–24 h"), (3 * 86400, "1–3 days"),
        (7 * 86400, "3–7 days"), (None, "over 7 days"))


def opened_per_day(session: Session, scope: Scope, *, sqlite: bool) -> list[dict[str, Any]]:
    """Every day from the first to the last incident of the scope, days without incidents as 0."""
    day = func.date(Incident.opened_at) if sqlite else cast(Incident.opened_at, Date)
    rows = session.execute(scope.apply(select(day, func.count()).group_by(day).order_by(day))).all()
    counts = {str(d)[:10]: int(n) for d, n in rows if d is not None}
    if not counts:
        return []
    first, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)][-90:]
    return [{"day": d.isoformat(), "count": counts.get(d.isoformat(), 0)} for d in days]


def backlog_by_age(session: Session, scope: Scope, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open incidents by how long ago they were opened."""
    now = now or datetime.now(UTC)
    buckets = {label: 0 for _, label in AGES}
    stmt = scope.apply(select(Incident.opened_at).where(Incident.status == "open"))
    for (opened,) in session.execute(stmt):
        when = opened if opened.tzinfo is not None else opened.replace(tzinfo=UTC)
        age = (now - when).total_seconds()
        label = next(lbl for limit, lbl in AGES if limit is None or age < limit)
        buckets[label] += 1
    return [{"age": label, "count": n} for label, n in buckets.items()]


def against_targets(per_level: list[dict[str, Any]], targets: dict[int, float] | None = None) -> list[dict[str, Any]]:
    """``time_per_level`` rows with their target and whether the median meets it."""
    goals = {**DEFAULT_TARGETS, **(targets or {})}
    out = []
    for row in per_level:
        target = goals.get(int(row["level"]))
        median = row.get("median_seconds")
        out.append({**row, "target_seconds": target,
                    "within_target": None if median is None or target is None else median <= target})
    return out


def parse_targets(text: str) -> dict[int, float]:
    """'1=30m,2=4h,3=3d' -> {1: 1800, 2: 14400, 3: 259200}; one clear error for anything else."""
    from calltriage.errors import InvalidAnswer

    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    out: dict[int, float] = {}
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        level, _, value = part.partition("=")
        try:
            number, unit = float(value.strip()[:-1]), units[value.strip()[-1:].lower()]
            lvl = int(level.strip().lstrip("Ll"))
        except (ValueError, KeyError):
            raise InvalidAnswer(f"level target {part!r} is not LEVEL=DURATION: write e.g. 1=30m,2=4h,3=3d") from None
        if lvl not in (1, 2, 3) or number <= 0:
            raise InvalidAnswer(f"level target {part!r}: use levels 1-3 and a positive duration, e.g. 2=4h")
        out[lvl] = number * unit
    return out
