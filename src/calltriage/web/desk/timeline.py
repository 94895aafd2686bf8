"""The timeline for people: who did what on which step (titles, ids secondary), level changes,
superseded branches marked, probe results readable."""

from __future__ import annotations

from typing import Any

from calltriage.engine.spec import PlaybookSpec
from calltriage.services.models import EventOut
from calltriage.services.rules import title_of
from calltriage.web.desk.evidence import readable

VERBS = {
    "opened": "opened the incident", "answered": "answered", "probed": "probe result",
    "overridden": "overrode the verdict", "escalated": "escalated", "closed": "closed", "handed-off": "handed off",
    "note": "note", "attached": "attached a file", "waiting": "asked the user", "assigned": "ownership",
    "reopened": "reopened", "level-changed": "level changed",
}


def outcome_label(spec: PlaybookSpec, node: str | None, outcome: str | None) -> str:
    if not outcome:
        return ""
    spec_node = spec.nodes.get(node or "")
    if spec_node is not None and outcome in spec_node.outcomes:
        return spec_node.outcomes[outcome].label or outcome
    return outcome


def _detail(e: EventOut) -> str:
    data = e.data or {}
    if e.kind == "escalated":
        return f"L{data.get('from_level')} → L{data.get('to_level')} ({data.get('request')})"
    if e.kind == "level-changed":
        return f"L{data.get('from_level')} → L{data.get('to_level')} by {data.get('by')}"
    if e.kind == "overridden":
        moved = f"; L{data.get('from_level')} → L{data.get('level')}" if data.get("from_level") != data.get("level") \
            else ""
        return f"was {data.get('previous') or '—'}{moved}"
    if e.kind == "assigned":
        action = data.get("action")
        if action == "release":
            return f"released (was {data.get('from')})"
        return f"{action}: {data.get('from') or 'nobody'} → {data.get('to')}"
    if e.kind == "closed":
        return f"{data.get('resolution', '')}{' — closed anyway' if data.get('anyway') else ''}"
    if e.kind == "reopened":
        return f"was {data.get('status')} ({data.get('resolution') or '—'})"
    return ""


def timeline(events: list[EventOut], spec: PlaybookSpec) -> list[dict[str, Any]]:
    out = []
    for e in events:
        result = (e.data or {}).get("result")
        out.append({
            "seq": e.seq, "at": e.at, "level": e.level, "kind": e.kind, "verb": VERBS.get(e.kind, e.kind),
            "actor": e.actor, "node": e.node, "title": title_of(spec, e.node) if e.node else "",
            "outcome": e.outcome, "outcome_label": outcome_label(spec, e.node, e.outcome),
            "note": e.note if not result else "", "detail": _detail(e), "superseded": e.superseded,
            "result": readable(result) if result else None, "raw": result,
            # an automatic move names what it rests on; a close says what to do
            "evidence": (e.data or {}).get("evidence") or [], "instruction": (e.data or {}).get("instruction"),
        })
    return out
