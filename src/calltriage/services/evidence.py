"""The evidence an automatic move rests on: every close, handoff and escalation names the
decisions that led to it in its timeline event, and an escalation carries a generated note that
summarises them for the next level.

The decisions are the run's answers since the incident last changed level (or since it
opened), each traced to the timeline event that made it: a probe's verdict with its summary,
an operator's answer with their note, or an override with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind
from calltriage.store.models import Event

DECIDING = (EventKind.ANSWERED.value, EventKind.PROBED.value, EventKind.OVERRIDDEN.value)
MOVES = (EventKind.ESCALATED.value, EventKind.HANDED_OFF.value)
NOTE_LIMIT = 2000


def decisions(session: Session, incident_id: int, answers: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The answers since the last level change or handoff, each with the event that decided it."""
    rows = session.scalars(
        select(Event).where(Event.incident_id == incident_id,
                            Event.kind.in_((*DECIDING, *MOVES, EventKind.OPENED.value)))
        .order_by(Event.seq)).all()
    floor = max((e.seq for e in rows if e.kind in MOVES), default=0)
    deciding = [e for e in rows if e.kind in DECIDING and e.outcome and e.seq > floor]
    items: list[dict[str, Any]] = []
    for node, outcome in answers:
        if ":" in outcome:  # "escalate:..." / "close:..." by hand: the move's own event says it
            continue
        event = next((e for e in reversed(deciding) if e.node == node and e.outcome == outcome), None)
        if event is None:
            continue
        items.append(_item(event))
    items.sort(key=lambda i: i["seq"])
    return items


def _item(event: Event) -> dict[str, Any]:
    data = event.data or {}
    result = data.get("result") or {}
    if event.kind == EventKind.PROBED.value:
        by = "probe"
        summary = str(result.get("summary") or event.note or "")
    elif event.kind == EventKind.OVERRIDDEN.value:
        by = "override"
        summary = event.note
    else:
        by = "operator"
        summary = event.note
    item: dict[str, Any] = {"seq": event.seq, "node": event.node, "outcome": event.outcome, "by": by,
                            "actor": event.actor, "summary": summary}
    if result:
        item["probe"] = result.get("probe")
        item["status"] = result.get("status")
    if data.get("on_silence"):
        item["on_silence"] = True
    remedy = (result.get("evidence") or {}).get("remedy") if result else None
    if remedy:
        item["remedy"] = str(remedy)
    return item


def close_instruction(items: Sequence[dict[str, Any]], prompt: str) -> str:
    """What to do at a close: the remedy of the finding that decided it, else the close's prompt."""
    return str(items[-1].get("remedy") or prompt) if items else prompt


def summary_note(items: Sequence[dict[str, Any]], *, to_level: int, request: str) -> str:
    """One paragraph for the next level: what was established, by whom, on which evidence."""
    if not items:
        return f"Escalated to level {to_level} ({request}); no step was decided at this level."
    probes = sum(1 for i in items if i["by"] == "probe")
    head = (f"Escalated to level {to_level} ({request}) on {len(items)} finding(s), "
            f"{probes} from probes, {len(items) - probes} from operators: ")
    parts = []
    for item in items:
        who = f"probe {item.get('probe') or ''}".strip() if item["by"] == "probe" else f"{item['by']} {item['actor']}"
        text = f"{item['node']} → {item['outcome']} ({who}"
        text += f": {item['summary']})" if item["summary"] else ")"
        parts.append(text)
    note = head + "; ".join(parts) + "."
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"

