"""No verdict from silence: a watch that sees nothing leaves the step to the operator with what
was watched and for how long; watching again looks from the moment the user was first asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from calltriage.errors import Conflict, InvalidAnswer
from calltriage.services.context import App, build_app
from calltriage.services.triage import TriageService
from tests.cast import ANA
from tests.triage.scripted import FAIL, HEALTHY, OK, ScriptedRunner, says, silence


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    made = build_app(db_url)
    yield made
    made.store.dispose()


def service(app: App, runner: ScriptedRunner, **options: Any) -> TriageService:
    options.setdefault("max_wait", 0.05)
    return TriageService(app.incidents, cast(Any, runner), None, **options)


def to_reconnection(app: App, runner: ScriptedRunner, **options: Any) -> tuple[TriageService, int]:
    triage = service(app, runner, **options)
    report = triage.triage(caller="alice", callee="bob", actor=ANA)
    assert report.waiting_for == "intake.client_error_message"
    app.incidents.answer(report.incident["id"], "none", actor=ANA)
    return triage, report.incident["id"]


def test_a_reconnection_watch_that_sees_nothing_stays_with_the_operator(app: App) -> None:
    runner = ScriptedRunner({**HEALTHY, "registrar.reconnection": silence("REGISTER from alice")})
    triage, incident = to_reconnection(app, runner)
    report = triage.advance(incident)
    view = report.incident
    assert (view["status"], view["current"]) == ("open", "l1.force_reconnection")
    assert report.waiting_for == "l1.force_reconnection"
    assert report.waiting is not None and report.waiting["state"] == "no-evidence-yet"
    assert report.waiting["choices"] == ["failed", "ok"]  # the manual answers stay available
    watch = app.incidents.next_step(incident)["watch"]
    assert watch["state"] == "no-evidence-yet" and watch["watches"] == 1
    assert watch["watched_seconds"] == pytest.approx(0.05)
    assert "no REGISTER from alice" in watch["last"]["summary"] and watch["last"]["status"] == "silent"
    probed = [e for e in view["events"] if e["kind"] == "probed" and e["node"] == "l1.force_reconnection"]
    assert [(e["outcome"], e["data"]["watch"]["seconds"]) for e in probed] == [(None, 0.05)]
    assert not [e for e in view["events"] if e["kind"] in ("handed-off", "closed", "escalated")]


def test_every_watch_step_of_the_seed_stays_open_on_silence(app: App) -> None:
    runner = ScriptedRunner({**HEALTHY, "registrar.reconnection": says(OK, "alice registered again"),
                             "calls.test_call": silence("call attempt"),
                             "calls.to_callee": silence("call attempt to bob")})
    triage, incident = to_reconnection(app, runner)
    assert triage.advance(incident).waiting_for == "l1.test_call"
    app.incidents.answer(incident, "succeeded", actor=ANA, note="the user heard the echo")
    report = triage.advance(incident)
    assert report.waiting_for == "l1.call_other_party" and report.incident["status"] == "open"
    assert report.waiting is not None and report.waiting["state"] == "no-evidence-yet"


def test_watching_again_looks_from_the_first_request_and_then_moves_on(app: App) -> None:
    runner = ScriptedRunner({**HEALTHY, "registrar.reconnection": [
        silence("REGISTER"), says(OK, "alice registered again over TLS after the request")],
        "calls.test_call": silence("call attempt")})
    triage, incident = to_reconnection(app, runner)
    triage.advance(incident)
    first_ask = app.incidents.next_step(incident)["watch"]["asked_at"]
    report = triage.watch(incident, node="l1.force_reconnection")
    watches = [ctx for name, ctx in runner.calls if name == "registrar.reconnection"]
    assert len(watches) == 2
    assert watches[0].since == watches[1].since
    assert watches[1].since is not None and watches[1].since.isoformat().startswith(first_ask[:19])
    assert report.incident["current"] == "l1.test_call"
    waits = [e for e in report.incident["events"] if e["kind"] == "waiting"
             and e["node"] == "l1.force_reconnection"]
    assert [e["data"]["again"] for e in waits] == [False, True]


def test_watch_again_is_refused_on_a_step_that_asks_the_user_nothing(app: App) -> None:
    runner = ScriptedRunner({})  # nothing can run: the first check stays a question
    triage = service(app, runner)
    incident = triage.triage(caller="alice", callee="bob", actor=ANA).incident["id"]
    with pytest.raises(InvalidAnswer, match="asks the user for nothing"):
        triage.watch(incident)
    with pytest.raises(Conflict, match=r"no longer at l1\.force_reconnection"):
        triage.watch(incident, node="l1.force_reconnection")


def test_without_time_to_watch_the_user_is_asked_and_nothing_is_watched(app: App) -> None:
    runner = ScriptedRunner({**HEALTHY, "registrar.reconnection": says(OK, "alice registered again")})
    _, incident = to_reconnection(app, runner)
    report = service(app, runner, budget=0).advance(incident)
    assert report.waiting is not None and report.waiting["state"] == "awaiting-user"
    assert report.waiting["instruction"].startswith("Ask the user to open PrivateGSM")
    assert "registrar.reconnection" not in [name for name, _ in runner.calls]
    # the request is recorded once, however often the budget runs out
    service(app, runner, budget=0).advance(incident)
    events = app.incidents.get(incident)["events"]
    assert [e["data"]["watching"] for e in events if e["kind"] == "waiting"] == [False]
    # watching later looks from that request
    report = service(app, runner).watch(incident)
    assert report.incident["current"] != "l1.force_reconnection"
    ctx = [c for name, c in runner.calls if name == "registrar.reconnection"][0]
    asked = [e for e in events if e["kind"] == "waiting"][0]["at"]
    assert ctx.since is not None and ctx.since.isoformat().startswith(asked[:19])


def test_a_playbook_may_accept_one_outcome_on_silence_explicitly(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "watchful.yaml").write_text(WATCHFUL)
    app = build_app(db_url, str(tmp_path))
    runner = ScriptedRunner({"calls.test_call": silence("call attempt")})
    try:
        report = service(app, runner).triage(caller="alice", callee="bob", playbook_id="watchful", actor=ANA)
    finally:
        app.store.dispose()
    view = report.incident
    assert (view["status"], view["resolution"]) == ("closed", "nothing-to-do")
    probed = [e for e in view["events"] if e["kind"] == "probed"][0]
    assert probed["outcome"] == "quiet" and probed["data"]["on_silence"] is True
    closed = [e for e in view["events"] if e["kind"] == "closed"][0]
    assert closed["data"]["evidence"][-1]["on_silence"] is True


def test_a_failed_reconnection_is_still_decided_by_evidence(app: App) -> None:
    runner = ScriptedRunner({**HEALTHY, "registrar.reconnection": says(FAIL, "REGISTER timed out at the server")})
    triage, incident = to_reconnection(app, runner)
    view = triage.advance(incident).incident
    handed = [e for e in view["events"] if e["kind"] == "handed-off"]
    assert [(e["node"], e["data"]["playbook"]) for e in handed] == [("handoff.connection_issues", "connection-issues")]
    assert handed[0]["data"]["evidence"][-1]["summary"] == "REGISTER timed out at the server"


WATCHFUL = """
id: watchful
title: A playbook that accepts silence on one step
start: watch
nodes:
  - id: watch
    kind: check
    level: 1
    prompt: Did the user's phone stay quiet?
    ask_user: Ask the user not to call for a minute.
    wait: 60
    probe: calls.test_call
    verdicts: {ok: busy, fail: busy}
    on_silence: quiet
    outcomes: {quiet: close.nothing, busy: close.nothing}
  - {id: close.nothing, kind: close, level: 1, prompt: Nothing to do, resolution: nothing-to-do,
     category: not-an-issue}
"""
