"""``summary``: the whole report in one call (the CLI's `calltriage report`, the desk and the API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from calltriage.reports.escalations import escalations
from calltriage.reports.nodes import node_stats
from calltriage.reports.outcomes import (
    DEFAULT_TOLERANCE,
    categories,
    handoffs,
    resolutions,
    seed_split,
    sources,
    status_counts,
)
from calltriage.reports.scope import Scope, When
from calltriage.reports.timing import time_per_level, time_to_close
from calltriage.reports.volume import against_targets, backlog_by_age, opened_per_day
from calltriage.store import Store

REPORT_SCHEMA = 1


def summary(store: Store, *, since: When = None, until: When = None, playbook: str | None = None,
            tolerance: float = DEFAULT_TOLERANCE, top: int = 10,
            targets: dict[int, float] | None = None) -> dict[str, Any]:
    """Counts, shares, escalations, medians and node analytics for incidents opened in [since, until).

    ``since``/``until`` take a date (``until``'s day is included), an ISO datetime or a datetime.
    ``tolerance`` is the largest gap between the misconfiguration and connection shares that
    still confirms the seed's "about equally divided". ``targets`` are the seconds each level
    should take ({level: seconds}, defaults in ``reports.volume.DEFAULT_TARGETS``).
    """
    scope = Scope.of(since, until, playbook)
    sqlite = store.is_sqlite
    with store.read() as session:
        status = status_counts(session, scope)
        cats = categories(session, scope)
        report: dict[str, Any] = {
            "schema": REPORT_SCHEMA,
            "generated_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "scope": scope.to_dict(),
            "incidents": status,
            "resolutions": resolutions(session, scope),
            "categories": cats,
            "handoffs": handoffs(session, scope),
            "seed_split": seed_split(cats, tolerance),
            "escalations": escalations(session, scope, status["total"]),
            "time_per_level": against_targets(time_per_level(session, scope, sqlite=sqlite), targets),
            "opened_per_day": opened_per_day(session, scope, sqlite=sqlite),
            "backlog_by_age": backlog_by_age(session, scope),
            "time_to_close": time_to_close(session, scope, sqlite=sqlite),
            "nodes": node_stats(session, scope, sqlite=sqlite),
            "sources": sources(session, scope, top=top),
        }
    return report
