"""Automated triage: answer every check node the SIP server can decide, stop where it cannot.

For each `check` node the incident reaches, the matching probe runs and its result is recorded
with its evidence in the timeline. A verdict the node maps to an outcome answers the node and
the incident moves on; a probe that cannot run (``error``) or an unmapped verdict leaves the node
as a question for the operator. Nodes with ``ask_user`` (force a reconnection, place a test call)
first record what the operator must ask the user, then watch the server for the user's action
within the node's ``wait`` (capped by ``max_wait`` and the call's ``budget``). A watch that sees
nothing is "no evidence yet" (``silent``): it decides nothing unless the node names an
``on_silence`` outcome; the operator watches again (``watch``) or answers from what the user says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from calltriage.domain.model import NodeKind
from calltriage.errors import Conflict, InvalidAnswer
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
    # What the incident waits for now: the step, its watch state, the instruction for the user.
    waiting: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"incident": self.incident, "probed": self.probed, "waiting_for": self.waiting_for,
                "waiting": self.waiting}


def waiting_state(step: dict[str, Any]) -> dict[str, Any] | None:
    """What an open incident waits for, for front ends: ``state`` is

    * ``awaiting-user``: the user was asked to act (``instruction``) and the server was not
      watched since: tell the user, then watch (``watch again``) or answer from what they say;
    * ``no-evidence-yet``: the server was watched (``watch.watched_seconds``) and showed nothing;
    * ``operator``: a question, or a check no probe could decide: the operator answers.
    """
    if step.get("node") is None:
        return None
    watch = step.get("watch")
    state = "operator"
    if watch is not None and watch["state"] in ("awaiting-user", "no-evidence-yet"):
        state = watch["state"]
    return {"state": state, "node": step["node"], "level": step["level"], "prompt": step["prompt"],
            "choices": step["choices"], "instruction": step.get("ask_user") if watch else None,
            "watch": watch}


class TriageService:
    def __init__(self, incidents: IncidentService, runner: ProbeRunner, settings: ServerSettings | None, *,
                 max_wait: float | None = None, budget: float | None = None, on_wait: OnWait | None = None,
                 extras: Extras | None = None, actor: Actor = PROBE_ACTOR) -> None:
        """``max_wait`` caps each watch window; ``budget`` caps the seconds one call may spend
        watching in all (0: ask the user and return at once, without watching)."""
        self.incidents = incidents
        self.runner = runner
        self.settings = settings
        self.max_wait = max_wait
        self.budget = budget
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

    def watch(self, incident_id: int, *, node: str | None = None) -> TriageReport:
        """Watch again: look at the server for the user's action on the current watch step (since
        the user was first asked), then let the probes answer what follows. The same call serves
        the CLI (`incident watch`), the API and the desk."""
        step = self.incidents.next_step(incident_id)
        if node is not None and step["node"] != node:
            raise Conflict(f"incident {incident_id} is no longer at {node} (now "
                           f"{step['node'] or step['status']}): reload it and continue from there")
        if step["node"] is None:
            raise InvalidAnswer(f"incident {incident_id} is {step['status']}: there is nothing to watch")
        if step.get("watch") is None:
            raise InvalidAnswer(f"step {step['node']} of incident {incident_id} asks the user for nothing, so there "
                                "is nothing to watch: answer it or run the probes")
        return self.advance(incident_id)

    def advance(self, incident_id: int) -> TriageReport:
        """Run probes for consecutive check nodes until the incident needs a person or is over."""
        report = TriageReport(incident=self.incidents.get(incident_id))
        tried: set[tuple[str, int]] = set()
        budget = [self.budget]
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
            watch: dict[str, Any] | None = None
            if node.watches:
                watch = self._ask(incident_id, node_id, node.ask_user, node.wait, step.get("watch"), budget)
                if watch is None:  # no time left to watch: the user is asked, the operator goes on
                    report.waiting_for = node_id
                    break
            result = self._probe(incident_id, view, node.probe, dict(node.probe_params), watch)
            try:
                view, outcome = self.incidents.record_probe(incident_id, node_id, result, actor=self.actor,
                                                            watch=watch)
            except Conflict:
                # An operator answered while the probe ran: theirs stands, the probe's is dropped.
                continue
            report.probed.append({"node": node_id, "outcome": outcome, "result": result.to_dict()})
            if outcome is None:
                report.waiting_for = node_id
                break
        report.incident = self.incidents.get(incident_id)
        report.waiting = waiting_state(self.incidents.next_step(incident_id))
        return report

    def _ask(self, incident_id: int, node_id: str, instruction: str, window: float,
             state: dict[str, Any] | None, budget: list[float | None]) -> dict[str, Any] | None:
        """Record the request to the user (or the watch again) and return the watch window, or
        None when this call may not watch (budget spent): the request alone is recorded then."""
        seconds = min(window, self.max_wait) if self.max_wait is not None else window
        if budget[0] is not None:
            seconds = min(seconds, max(0.0, budget[0]))
        asked = state is not None and state.get("asked_at") is not None
        if seconds <= 0:
            if not asked:
                self.incidents.record_waiting(incident_id, node_id, instruction, actor=self.actor, wait=0.0,
                                              data={"watching": False})
            return None
        if budget[0] is not None:
            budget[0] -= seconds
        waited = self.incidents.record_waiting(incident_id, node_id, instruction, actor=self.actor, wait=seconds,
                                               data={"watching": True, "again": asked})
        now = waited["events"][-1]["at"]
        since = state["asked_at"] if asked and state is not None else now
        if self.on_wait is not None:
            self.on_wait(node_id, instruction, seconds)
        return {"since": since, "seconds": seconds, "instruction": instruction}

    def _probe(self, incident_id: int, view: dict[str, Any], probe: str, params: dict[str, Any],
               watch: dict[str, Any] | None) -> Any:
        ctx = ProbeContext(
            caller=Party("caller", view["caller"]),
            callee=Party("callee", view["callee"]),
            server=self.settings,
            since=_parse_time(watch["since"]) if watch else None,
            wait=watch["seconds"] if watch else 0.0,
            extras=self.extras(incident_id),
        )
        # `with:` values naming a party role ("caller") are resolved by the probe from ctx.
        return self.runner.run(probe, ctx, params)


def _parse_time(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))
