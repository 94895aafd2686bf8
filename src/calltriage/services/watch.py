"""Where a watch step stands ("force a reconnection", "place a test call"), read from the timeline.

A watch step asks the user to act, then a probe watches the server for it. What the server
showed (or did not) is in the step's events since the incident entered it:

* ``not-asked``: nobody has told the user yet;
* ``awaiting-user``: the user was asked; the server has not been watched since (or a watch is
  running);
* ``no-evidence-yet``: the server was watched and showed nothing: the step stays with the
  operator, who may watch again or answer from what the user says;
* ``could-not-watch``: the probe could not look (no server, no source): the operator answers.

Silence is never a verdict: only a playbook's explicit ``on_silence`` turns it into an outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from calltriage.domain.model import EventKind, ProbeStatus
from calltriage.engine.spec import NodeSpec

_ENTERS = {EventKind.OPENED.value, EventKind.ANSWERED.value, EventKind.OVERRIDDEN.value,
           EventKind.ESCALATED.value, EventKind.CLOSED.value, EventKind.HANDED_OFF.value}


def visit_events(events: Sequence[dict[str, Any]], node_id: str) -> list[dict[str, Any]]:
    """The events of ``node_id`` since the incident last moved (it is the current step)."""
    start = 0
    for index, event in enumerate(events):
        if event["kind"] in _ENTERS or (event["kind"] == EventKind.PROBED.value and event["outcome"]):
            start = index + 1
    return [e for e in events[start:] if e["node"] == node_id]


def watch_state(events: Sequence[dict[str, Any]], node: NodeSpec) -> dict[str, Any] | None:
    """The watch state of the current step ``node`` (None when it is not a watch step)."""
    if not node.watches:
        return None
    mine = visit_events(events, node.id)
    asks = [e for e in mine if e["kind"] == EventKind.WAITING.value]
    results = [e for e in mine if e["kind"] == EventKind.PROBED.value]
    silent = [e for e in results if _status(e) == ProbeStatus.SILENT.value]
    state: dict[str, Any] = {
        "node": node.id,
        "instruction": node.ask_user,
        "window": node.wait,
        "on_silence": node.on_silence,
        "asked_at": asks[0]["at"] if asks else None,
        "watches": len(silent),
        "watched_seconds": round(sum(_watched(e) for e in silent), 3),
        "last": None,
    }
    if not asks:
        state["state"] = "not-asked"
        return state
    last_result = results[-1] if results else None
    if last_result is not None:
        result = (last_result["data"] or {}).get("result") or {}
        state["last"] = {"at": last_result["at"], "status": result.get("status"), "summary": result.get("summary"),
                         "seconds": _watched(last_result), "evidence": result.get("evidence") or {}}
    if last_result is None or asks[-1]["seq"] > last_result["seq"]:
        state["state"] = "awaiting-user"
    elif _status(last_result) == ProbeStatus.SILENT.value:
        state["state"] = "no-evidence-yet"
    else:
        state["state"] = "could-not-watch"
    return state


def _status(event: dict[str, Any]) -> str | None:
    return ((event["data"] or {}).get("result") or {}).get("status")


def _watched(event: dict[str, Any]) -> float:
    watch = (event["data"] or {}).get("watch") or {}
    try:
        return float(watch.get("seconds") or 0.0)
    except (TypeError, ValueError):
        return 0.0
