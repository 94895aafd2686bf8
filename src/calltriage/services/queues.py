"""The one read path of incident lists: desk queues and search, the API's lists, `incident list`.

Every list selects through ``_fetch`` with the WHERE clauses of ``incident_filters`` (status,
level, text) or ``queue_filter`` (an operator's queues) and returns typed rows of
``services.models``: ``IncidentRow`` for the desk, ``IncidentListItem`` (plus path and
escalations) for the API and the CLI.

``Incident.state`` (the playbook run: path, answers, escalations) is a JSON column that grows
with every step; parsing it for each of fifty queue rows was most of a queue page's cost. The
queue and search pages show only plain columns, so they select just those. The JSON of a
single incident (``incident show --json``, ``IncidentService.get``) is ``incident_json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Row, Select, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from calltriage.domain.model import IncidentStatus
from calltriage.errors import InvalidAnswer, NotFound
from calltriage.services.models import IncidentListItem, IncidentRow
from calltriage.services.views import incident_view, iso
from calltriage.store import Store
from calltriage.store.models import Event, Incident

QUEUES = ("mine", "unassigned", "escalated", "open", "closed")
COUNT_CAP = 1000  # queue badges count up to this ("1000+"): exact counts of big queues cost a scan
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


def capped_count(session: Session, where: Sequence[Any]) -> int:
    capped = select(Incident.id).where(*where).limit(COUNT_CAP + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(capped)) or 0)


def queue_filter(name: str, owner: str, level: int | None) -> list[Any]:
    """WHERE clauses of the queue ``name`` of operator ``owner`` at ``level`` (None: every level)."""
    if name not in QUEUES:
        raise InvalidAnswer(f"unknown queue {name!r}: use one of {', '.join(QUEUES)}")
    where: list[Any] = [Incident.level == level] if level else []
    if name == "closed":
        return [Incident.status == "closed", *where]
    where.insert(0, Incident.status == "open")
    if name == "mine":
        return [Incident.status == "open", Incident.assignee == owner]
    if name == "unassigned":
        where.append(Incident.assignee.is_(None))
    elif name == "escalated" and level == 1:
        where.append(false())  # levels only go up: nothing is ever escalated to L1
    elif name == "escalated":
        # Arrived at the level that owns it by escalation, and nobody there has taken it or decided
        # anything since: the new arrivals. Probe results (actor "calltriage") are not a pick-up.
        arrived = (select(func.max(Event.seq))
                   .where(Event.incident_id == Incident.id, Event.kind == "escalated",
                          Event.level == Incident.level)
                   .correlate(Incident).scalar_subquery())
        where.append(Incident.assignee.is_(None))
        where.append(arrived.is_not(None))
        where.append(~exists().where(and_(Event.incident_id == Incident.id, Event.seq > arrived,
                                          Event.kind.in_(("answered", "overridden")))))
    return where


Total = Literal["exact", "capped", "none"]


@dataclass(frozen=True, slots=True)
class Found:
    items: list[dict[str, Any]]
    total: int | None  # None with total="none"
    more: bool  # rows follow this page


def _fetch(store: Store, where: Sequence[Any], *, limit: int, offset: int, total: Total, detail: bool) -> Found:
    """Newest first. ``detail`` reads whole incidents (path, escalations: parses the run state);
    without it only the plain columns. ``total="none"`` is a single statement: one row more than
    the page tells whether more follow (the desk's queue page)."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidAnswer("limit must be 1..500 and offset >= 0")
    query = select(Incident).where(*where) if detail else light_select(where)
    query = query.order_by(Incident.id.desc()).limit(limit + 1).offset(offset)
    with one_statement(store) if total == "none" else store.read() as session:
        n = None if total == "none" else (count if total == "exact" else capped_count)(session, where)
        if detail:
            items = [incident_view(row, None) for row in session.scalars(query)]
        else:
            items = [row_view(row) for row in session.execute(query)]
    return Found(items[:limit], n, len(items) > limit)


def rows(store: Store, where: Sequence[Any], *, limit: int = 50, offset: int = 0,
         total: Total = "exact") -> tuple[list[IncidentRow], int | None, bool]:
    """Desk rows (plain columns), the total as asked, and whether more follow."""
    found = _fetch(store, where, limit=limit, offset=offset, total=total, detail=False)
    return [IncidentRow.model_validate(i) for i in found.items], found.total, found.more


def detail_rows(store: Store, where: Sequence[Any], *, limit: int = 50, offset: int = 0,
                total: Total = "exact") -> tuple[list[IncidentListItem], int, bool]:
    """API and CLI rows (with path and escalations) and the total (exact, or capped at COUNT_CAP + 1)."""
    found = _fetch(store, where, limit=limit, offset=offset, total=total, detail=True)
    return [IncidentListItem.model_validate(i) for i in found.items], found.total or 0, found.more
