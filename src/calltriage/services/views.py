"""JSON shapes shared by the CLI (`--json`), the API and the desk: one contract, one place."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from calltriage.engine.spec import PlaybookSpec
from calltriage.services.rules import step_title

if TYPE_CHECKING:
    from calltriage.store.models import Event, Incident


class StepSource(Protocol):
    """What a step view reads: an ``Incident`` row, or the few columns ``services.steps`` selects."""

    @property
    def current_node(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def revision(self) -> int: ...
    @property
    def resolution(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def handoff(self) -> str | None: ...
    @property
    def assignee(self) -> str | None: ...


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; we always store UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_view(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": iso(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "node": event.node,
        "outcome": event.outcome,
        "level": event.level,
        "note": event.note,
        "data": event.data,
    }


def incident_view(incident: Incident, events: Sequence[Event] | None) -> dict[str, Any]:
    state = incident.state
    view: dict[str, Any] = {
        "id": incident.id,
        "status": incident.status,
        "level": incident.level,
        "resolution": incident.resolution,
        "category": incident.category,
        "handoff": incident.handoff,
        "caller": incident.caller,
        "callee": incident.callee,
        "summary": incident.summary,
        "reporter": incident.reporter,
        "assignee": incident.assignee,
        "playbook": incident.playbook_id,
        "playbook_version": incident.playbook_version,
        "current": incident.current_node,
        "revision": incident.revision,
        "opened_at": iso(incident.opened_at),
        "updated_at": iso(incident.updated_at),
        "closed_at": iso(incident.closed_at),
        "escalations": state.get("escalations", []),
        "path": state.get("path", []),
        "playbooks": _segments(state, incident),
        "major": incident.major_id,
        "complaint": incident.complaint,
        "intake": incident.intake,
    }
    if events is not None:
        gone = {seq for e in events if e.kind == "overridden" for seq in (e.data or {}).get("superseded") or ()}
        view["events"] = [{**event_view(e), "superseded": e.seq in gone} for e in events]
    return view


def _segments(state: dict[str, Any], incident: Incident) -> list[dict[str, Any]]:
    """The playbooks the incident walked (handoffs continue in the target), each with its path there."""
    prior = state.get("prior") or []
    out = [{"playbook": p["playbook_id"], "version": p["version"], "path": list(p["path"])} for p in prior]
    skip = sum(len(p["path"]) for p in prior)
    out.append({"playbook": incident.playbook_id, "version": incident.playbook_version,
                "path": list(state.get("path", []))[skip:]})
    return out


def step_view(incident: StepSource | Incident, spec: PlaybookSpec) -> dict[str, Any]:
    if incident.current_node is None:
        return {"node": None, "status": incident.status, "resolution": incident.resolution,
                "category": incident.category, "handoff": incident.handoff}
    node = spec.node(incident.current_node)
    return {
        "node": node.id,
        "title": step_title(node),
        "playbook": spec.id,
        "level": incident.level,
        "kind": node.kind.value,
        "prompt": node.prompt,
        "help": node.help,
        "choices": node.choices,
        "labels": {name: o.label or name for name, o in node.outcomes.items()},
        "probe": node.probe,
        "ask_user": node.ask_user or None,
        "revision": incident.revision,
        "assignee": incident.assignee,
    }
