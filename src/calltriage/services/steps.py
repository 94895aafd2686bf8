"""The step an incident waits for, read with one Core query (no ORM).

`calltriage incident next` is the command an operator's script runs most; it needs a handful
of columns and the pinned playbook, so it reads them without loading the ORM mapping.
``IncidentService.next_step`` is this function too: one answer, whatever the front end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from calltriage.services.catalog import PlaybookCatalog
from calltriage.services.views import step_view
from calltriage.store import Store

_STEP = text("SELECT status, level, current_node, resolution, category, handoff, revision, playbook_id, "
             "playbook_version, assignee FROM incidents WHERE id = :id")


@dataclass(frozen=True, slots=True)
class _Row:
    status: str
    level: int
    current_node: str | None
    resolution: str | None
    category: str | None
    handoff: str | None
    revision: int
    playbook_id: str
    playbook_version: str
    assignee: str | None


def current_step(store: Store, catalog: PlaybookCatalog, incident_id: int) -> dict[str, Any]:
    with store.connect() as conn:
        found = conn.execute(_STEP, {"id": incident_id}).first()
    if found is None:
        from calltriage.services.queues import not_found

        raise not_found(incident_id)
    row = _Row(*found)
    spec = catalog.pinned(row.playbook_id, row.playbook_version)
    step = step_view(row, spec)
    node = spec.nodes.get(row.current_node or "")
    if node is not None:
        # a watch step also says what the server showed so far (services.watch)
        step["watch"] = _watch(store, incident_id, node) if node.watches else None
    return step


def _watch(store: Store, incident_id: int, node: Any) -> dict[str, Any] | None:
    from sqlalchemy import select

    from calltriage.services.views import iso
    from calltriage.services.watch import watch_state
    from calltriage.store.models import Event

    t = Event.__table__.c
    with store.connect() as conn:
        rows = conn.execute(select(t.seq, t.at, t.kind, t.node, t.outcome, t.data)
                            .where(t.incident_id == incident_id).order_by(t.seq)).all()
    events = [{"seq": r.seq, "at": iso(r.at), "kind": r.kind, "node": r.node, "outcome": r.outcome,
               "data": r.data or {}} for r in rows]
    return watch_state(events, node)
