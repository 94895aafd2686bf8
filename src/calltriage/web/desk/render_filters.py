"""Jinja filters of the desk: times shown to operators (UTC: they work across time zones)."""

from __future__ import annotations

from datetime import UTC, datetime


def when(value: str | None) -> str:
    """'2026-11-25T18:06:38.326Z' -> '2026-11-25 18:06' (UTC: operators work across time zones)."""
    return (value or "")[:16].replace("T", " ")


def clock(value: str | None) -> str:
    """'2026-11-25T18:06:38.326Z' -> '18:06:38'."""
    return (value or "")[11:19]


def ago(value: str | datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        then = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite: naive UTC
    else:
        try:
            then = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    seconds = int((datetime.now(UTC) - then).total_seconds())
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"
