"""Light reads for lists and checks: incident rows without the run state.

``Incident.state`` (the playbook run: path, answers, escalations) is a JSON column that grows
with every step; parsing it for each of fifty queue rows was most of a queue page's cost. The
queue and search pages show only plain columns, so they select just those. The JSON of a
single incident (``incident show --json``, ``IncidentService.get``) is ``incident_json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session

from calltriage.domain.model import IncidentStatus
from calltriage.errors import InvalidAnswer, NotFound
from calltriage.services.views import incident_view, iso
from calltriage.store import Store
from calltriage.store.models import Event, Incident

COLUMNS = (Incident.id, Incident.status, Incident.level, Incident.resolution, Incident.category, Incident.handoff,
           Incident.caller, Incident.callee, Incident.reporter, Incident.playbook_id, Incident.playbook_version,
           Incident.current_node, Incident.revision, Incident.assignee, Incident.opened_at, Incident.updated_at)
_NAMES = ("id", "status", "level", "resolution", "category", "handoff", "caller", "callee", "reporter", "playbook",
          "playbook_version", "current", "revision", "assignee", "opened_at")


@contextmanager
def one_statement(store: Store) -> Iterator[Session]:
    """A read session for a single SELECT. On PostgreSQL it runs in autocommit: one statement is
    its own consistent snapshot, and BEGIN and ROLLBACK would cost two more round trips."""
    with store.read() as session:
        if not store.is_sqlite:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


MAX_SEARCH = 200


def not_found(incident_id: int) -> NotFound:
    return NotFound(f"no incident {incident_id}: list incidents with `calltriage incident list`")


def incident_json(store: Store, incident_id: int) -> dict[str, Any]:
    """``IncidentService.get`` (= `incident show --json`) in one query: the incident joined with its
    events, ordered by ``seq`` along the (incident_id, seq) unique index."""
    with one_statement(store) as session:
        rows = session.execute(select(Incident, Event).outerjoin(Event, Event.incident_id == Incident.id)
                               .where(Incident.id == incident_id).order_by(Event.seq)).all()
    if not rows:
        raise not_found(incident_id)
    return incident_view(rows[0][0], [event for _, event in rows if event is not None])


def row_view(row: Row[Any]) -> dict[str, Any]:
    """One light row: the plain columns under the names of ``incident_view`` (no path, no events)."""
    view = dict(zip(_NAMES, row, strict=False))
    view["opened_at"] = iso(view["opened_at"])
    view["updated"] = row[-1]  # the datetime, for "5 min ago" without parsing the text again
    view["updated_at"] = iso(row[-1])
    return view


def light_select(where: Sequence[Any]) -> Select[Any]:
    return select(*COLUMNS).where(*where)  # type: ignore[return-value]


def brief(store: Store, incident_id: int) -> dict[str, Any]:
    """Status, level, current step of one incident (404 when it does not exist), without its state."""
    with store.read() as session:
        row = session.execute(light_select([Incident.id == incident_id])).first()
    if row is None:
        raise not_found(incident_id)
    return row_view(row)


def incident_filters(*, status: str | None = None, level: int | None = None,
                     query: str | None = None) -> list[Any]:
    """WHERE clauses of every incident list (CLI, API, desk search), with one-line errors."""
    if status is not None and status not in {s.value for s in IncidentStatus}:
        raise InvalidAnswer(f"unknown status {status!r}: use one of open, closed, handed-off")
    if level is not None and level not in (1, 2, 3):
        raise InvalidAnswer(f"unknown level {level!r}: use 1, 2 or 3")
    where: list[Any] = []
    if status:
        where.append(Incident.status == status)
    if level:
        where.append(Incident.level == level)
    text = (query or "").strip()
    if len(text) > MAX_SEARCH:
        raise InvalidAnswer(f"search is {len(text)} characters long: keep it under {MAX_SEARCH}")
    if text:
        # % and _ are wildcards in LIKE: a search for "50%" or "a_b" means those characters.
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(*(column.ilike(like, escape="\\") for column in
                           (Incident.caller, Incident.callee, Incident.summary, Incident.reporter))))
    return where


def count(session: Session, where: Sequence[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(Incident).where(*where)) or 0)


def search(store: Store, *, status: str | None = None, level: int | None = None, query: str | None = None,
           limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The desk's search page: light rows, newest first, and the exact total."""
    where = incident_filters(status=status, level=level, query=query)
    with store.read() as session:
        total = count(session, where)
        rows = session.execute(light_select(where).order_by(Incident.id.desc()).limit(limit).offset(offset))
        return [row_view(r) for r in rows], total
