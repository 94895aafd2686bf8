"""Automated triage: answer every check node the SIP server can decide, stop where it cannot.

For each `check` node the incident reaches, the matching probe runs and its result is recorded
with its evidence in the timeline. A verdict the node maps to an outcome answers the node and
the incident moves on; a probe that cannot run (``error``) or an unmapped verdict leaves the node
as a question for the operator. Nodes with ``ask_user`` (force a reconnection, place a test call)
first record what the operator must ask the user, then watch the server for the user's action
within the node's ``wait``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from calltriage.domain.model import NodeKind
from calltriage.errors import Conflict
from calltriage.probes.base import Party, ProbeContext
from calltriage.services.incidents import Actor, IncidentService

if TYPE_CHECKING:
    from calltriage.config import ServerSettings
    from calltriage.probes.runner import ProbeRunner

PROBE_ACTOR = Actor("calltriage")
OnWait = Callable[[str, str, float], None]  # (node, instruction, seconds)
Extras = Callable[[int], dict[str, Any]]  # incident id -> probe extras (attached logs...)


@dataclass
class TriageReport:
    incident: dict[str, Any]
    probed: list[dict[str, Any]] = field(default_factory=list)
    waiting_for: str | None = None  # the node the operator must answer, if any

    def to_dict(self) -> dict[str, Any]:
        return {"incident": self.incident, "probed": self.probed, "waiting_for": self.waiting_for}


class TriageService:
    def __init__(self, incidents: IncidentService, runner: ProbeRunner, settings: ServerSettings | None, *,
                 max_wait: float | None = None, on_wait: OnWait | None = None, extras: Extras | None = None,
                 actor: Actor = PROBE_ACTOR) -> None:
        self.incidents = incidents
        self.runner = runner
        self.settings = settings
        self.max_wait = max_wait
        self.on_wait = on_wait
        # Probes read what the incident holds (the attached client log) through these extras.
        self.extras: Extras = extras if extras is not None else self._attachments
        self.actor = actor

    def _attachments(self, incident_id: int) -> dict[str, Any]:
        from calltriage.services.attachments import probe_extras

        return probe_extras(self.incidents.store, incident_id)

    def triage(self, *, caller: str, callee: str, summary: str = "", reporter: str = "",
               playbook_id: str = "user-cant-call-professional", actor: Actor) -> TriageReport:
        view = self.incidents.open(playbook_id=playbook_id, caller=caller, callee=callee, summary=summary,
                                   reporter=reporter, actor=actor)
        return self.advance(view["id"])

    def advance(self, incident_id: int) -> TriageReport:
        """Run probes for consecutive check nodes until the incident needs a person or is over."""
        report = TriageReport(incident=self.incidents.get(incident_id))
        tried: set[tuple[str, int]] = set()
        while True:
            step = self.incidents.next_step(incident_id)
            node_id = step["node"]
            if node_id is None:
                break
            view = self.incidents.get(incident_id)
            spec = self.incidents.spec_for(view)
            node = spec.node(node_id)
            # One attempt per visit of a node: an override can send the incident back to it.
            visit = (node_id, view["path"].count(node_id))
            if node.kind is not NodeKind.CHECK or not node.probe or visit in tried:
                report.waiting_for = node_id
                break
            tried.add(visit)
            result = self._probe(incident_id, view, node_id, node.probe, dict(node.probe_params),
                                 node.ask_user, node.wait)
            try:
                view, outcome = self.incidents.record_probe(incident_id, node_id, result, actor=self.actor)
            except Conflict:
                # An operator answered while the probe ran: theirs stands, the probe's is dropped.
                continue
            report.probed.append({"node": node_id, "outcome": outcome, "result": result.to_dict()})
            if outcome is None:
                report.waiting_for = node_id
                break
        report.incident = self.incidents.get(incident_id)
        return report

    def _probe(self, incident_id: int, view: dict[str, Any], node_id: str, probe: str, params: dict[str, Any],
               ask_user: str, wait: float) -> Any:
        since = None
        if ask_user:
            wait = min(wait, self.max_wait) if self.max_wait is not None else wait
            waited = self.incidents.record_waiting(incident_id, node_id, ask_user, actor=self.actor, wait=wait)
            since = _parse_time(waited["events"][-1]["at"])
            if self.on_wait is not None:
                self.on_wait(node_id, ask_user, wait)
        ctx = ProbeContext(
            caller=Party("caller", view["caller"]),
            callee=Party("callee", view["callee"]),
            server=self.settings,
            since=since,
            wait=wait if ask_user else 0.0,
            extras=self.extras(incident_id),
        )
        # `with:` values naming a party role ("caller") are resolved by the probe from ctx.
        return self.runner.run(probe, ctx, params)


def _parse_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
