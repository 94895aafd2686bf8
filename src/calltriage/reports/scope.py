"""Which incidents a report covers: opened in [since, until), optionally one playbook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select

from calltriage.errors import InvalidAnswer
from calltriage.store.models import Event, Incident

When = date | datetime | str | None
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def parse_when(value: When, *, what: str, end: bool = False) -> datetime | None:
    """A date (whole UTC day; for ``until`` the day is included) or an ISO datetime, as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = _from_text(text)
        except ValueError:
            raise InvalidAnswer(f"{what} {text!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
                                ) from None
    if isinstance(value, datetime):
        # Naive datetimes are read as UTC: the store keeps every timestamp in UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    start = datetime.combine(value, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def _from_text(text: str) -> date | datetime:
    # Python 3.11's fromisoformat reads "Z"; a bare date is a whole day, not its midnight.
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Scope:
    since: datetime | None = None
    until: datetime | None = None
    playbook: str | None = None

    @classmethod
    def of(cls, since: When = None, until: When = None, playbook: str | None = None) -> Scope:
        scope = cls(parse_when(since, what="since"), parse_when(until, what="until", end=True),
                    playbook or None)
        if scope.since and scope.until and scope.since >= scope.until:
            raise InvalidAnswer("since is not before until: pick a since date earlier than the until date")
        return scope

    def where(self) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if self.since is not None:
            clauses.append(Incident.opened_at >= self.since)
        if self.until is not None:
            clauses.append(Incident.opened_at < self.until)
        if self.playbook:
            # The playbook the incident is in now (a handoff into an existing playbook moves it).
            clauses.append(Incident.playbook_id == self.playbook)
        return clauses

    def apply(self, stmt: S) -> S:
        clauses = self.where()
        return stmt.where(*clauses) if clauses else stmt

    def events(self, stmt: S) -> S:
        """Restrict a query over ``events`` to the scope's incidents.

        Without filters there is no join at all: on SQLite the join alone costs more than the
        grouping (an index-only scan of ~1M events takes 0.1 s, the same scan joined 1.2 s).
        """
        clauses = self.where()
        if not clauses:
            return stmt
        return stmt.join(Incident, Incident.id == Event.incident_id).where(*clauses)

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "playbook": self.playbook,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
