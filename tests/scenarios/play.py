"""Play one scenario as a support desk would: open the incident, let the probes answer, tell the
simulated user what the desk asks, answer as the operator only where no probe can tell (from
what the user says), and stop at the seed playbook's terminal.

The operator's answers come from the scenario; ``WATCH_AGAIN`` means the operator chose "watch
again" on a watch step that saw nothing. What was played is measured for the tests and for the
accuracy benchmark: the terminal, the questions the operator answered, the steps probes answered,
the time probes took, and any automatic move made from silence (there must be none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from calltriage.probes.runner import ProbeRunner
from calltriage.services.context import build_app
from calltriage.services.triage import TriageService
from tests.cast import ANA, BEN, CY
from tests.probes.conftest import settings_for
from tests.scenarios.stage import Stage

OPERATORS = {1: ANA, 2: BEN, 3: CY}
WATCH_AGAIN = "watch-again"
WAIT = 4.0  # seconds each watch gives the user (the playbook says 60-120 s; the user acts at once)
SEED = "user-cant-call-professional"
WATCH_PROBES = {"registrar.reconnection", "calls.test_call", "calls.to_callee"}


@dataclass
class Played:
    got: str  # "closed:<resolution>" | "handoff:<playbook>" | "L3:<request>" | "open:<node>"
    view: dict[str, Any]
    questions: int = 0  # steps the operator answered
    watch_agains: int = 0
    by_probe: dict[str, str] = field(default_factory=dict)  # node -> outcome decided by a probe
    probe_seconds: float = 0.0
    slowest_check: float = 0.0  # the slowest verdict (ok/warn/fail) of a probe that awaited no user action
    could_not_tell: int = 0  # probe results "could not tell" (error): the step went to the operator
    silent_moves: int = 0  # outcomes decided from silence without an on_silence (must be 0)

    @property
    def decisive(self) -> dict[str, Any] | None:
        """The last decision the terminal move rests on (from the move's own evidence)."""
        moves = [e for e in self.view["events"] if e["kind"] in ("closed", "handed-off", "escalated")]
        evidence = (moves[-1]["data"] or {}).get("evidence") if moves else None
        return evidence[-1] if evidence else None


def terminal(view: Mapping[str, Any]) -> str | None:
    """The seed playbook's terminal this incident reached, or None while it goes on there."""
    for event in view["events"]:
        if event["kind"] == "handed-off":
            return f"handoff:{event['data']['playbook']}"
    if view["status"] == "closed":
        return f"closed:{view['resolution']}"
    if view["current"] == "l3.client_bug":
        return f"L3:{view['escalations'][-1]['request']}"
    return None


def play(stage: Stage, db_url: str, *, operator: Mapping[str, str | Sequence[str]] | None = None,
         caller: str = "alice", callee: str = "bob", wait: float = WAIT, probe_timeout: float | None = None,
         ) -> Played:
    """``probe_timeout``: the probes' deadline (default: the tests' generous one for a loaded box)."""
    app = build_app(db_url)
    runner = ProbeRunner()
    answers = {node: [a] if isinstance(a, str) else list(a) for node, a in (operator or {}).items()}
    settings = settings_for(stage.lab) if probe_timeout is None else settings_for(stage.lab, timeout=probe_timeout)
    triage = TriageService(app.incidents, runner, settings, max_wait=wait,
                           on_wait=lambda node, _text, _seconds: stage.act(node))
    questions = watch_agains = 0
    try:
        report = triage.triage(caller=caller, callee=callee, summary="can't call", playbook_id=SEED,
                               actor=OPERATORS[1])
        incident = report.incident["id"]
        while terminal(report.incident) is None:
            node = report.waiting_for
            assert node is not None, f"the incident stopped without a step to answer: {report.incident}"
            hook = stage.hooks.pop(node, None)
            if hook is not None:
                hook(app, incident)
                report = triage.advance(incident)
                continue
            queue = answers.get(node)
            assert queue, (f"stopped at {node} ({(report.waiting or {}).get('state')}) without an operator "
                           f"answer; probed: {[(p['node'], p['result']['summary']) for p in report.probed]}")
            answer = queue.pop(0)
            if answer == WATCH_AGAIN:
                watch_agains += 1
                report = triage.watch(incident, node=node)
                continue
            level = app.incidents.next_step(incident)["level"]
            app.incidents.answer(incident, answer, actor=OPERATORS[level], node=node,
                                 note="from what the user says")
            questions += 1
            report = triage.advance(incident)
        unused = {n: q for n, q in answers.items() if q}
        assert not unused, f"operator answers never asked for: {unused}"
        return _measure(app.incidents.get(incident), questions, watch_agains)
    finally:
        runner.close()
        app.store.dispose()


def _measure(view: dict[str, Any], questions: int, watch_agains: int) -> Played:
    got = terminal(view) or f"open:{view['current']}"
    played = Played(got, view, questions, watch_agains)
    for event in view["events"]:
        if event["kind"] != "probed":
            continue
        result = event["data"]["result"]
        played.probe_seconds += float(result.get("duration") or 0.0)
        if result["status"] == "error":
            played.could_not_tell += 1
        elif result["probe"] not in WATCH_PROBES and result["status"] != "silent":
            played.slowest_check = max(played.slowest_check, float(result.get("duration") or 0.0))
        if event["outcome"]:
            played.by_probe[event["node"]] = event["outcome"]
            if result["status"] == "silent" and not event["data"].get("on_silence"):
                played.silent_moves += 1
    return played
