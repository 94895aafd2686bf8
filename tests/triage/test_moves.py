"""Every automatic move names the evidence it rests on; an escalation carries a generated note."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from calltriage.services.context import App, build_app
from calltriage.services.triage import TriageService
from tests.cast import ANA, BEN
from tests.triage.scripted import FAIL, HEALTHY, OK, ScriptedRunner, says

L1_OK = {**HEALTHY, "registrar.reconnection": says(OK, "alice registered again over TLS"),
         "calls.test_call": says(OK, "alice's call to +15550100 was answered (200 OK)"),
         "calls.to_callee": says(FAIL, "alice's call to bob failed: 480 (the callee is not registered)")}


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    made = build_app(db_url)
    yield made
    made.store.dispose()


def run(app: App, script: dict[str, Any]) -> tuple[TriageService, int]:
    triage = TriageService(app.incidents, cast(Any, ScriptedRunner(script)), None, max_wait=0.05)
    incident = triage.triage(caller="alice", callee="bob", actor=ANA).incident["id"]
    app.incidents.answer(incident, "none", actor=ANA, note="no message on the screen")
    triage.advance(incident)
    return triage, incident


def moves(view: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in view["events"] if e["kind"] == kind]


def test_a_close_names_the_findings_it_rests_on(app: App) -> None:
    _, incident = run(app, {**L1_OK, "sip.callee_liveness": says(FAIL, "bob is not registered")})
    view = app.incidents.get(incident)
    assert view["resolution"] == "not-an-issue"
    evidence = moves(view, "closed")[0]["data"]["evidence"]
    assert [(i["node"], i["outcome"], i["by"]) for i in evidence] == [
        ("intake.operational_requirements", "met", "probe"),
        ("intake.client_error_message", "none", "operator"),
        ("l1.connection_status", "connected", "probe"),
        ("l1.force_reconnection", "ok", "probe"),
        ("l1.test_call", "succeeded", "probe"),
        ("l1.call_other_party", "no", "probe"),
        ("l1.other_party_registered", "no", "probe")]
    assert evidence[-1]["summary"] == "bob is not registered" and evidence[-1]["probe"] == "sip.callee_liveness"
    assert evidence[1]["summary"] == "no message on the screen" and evidence[1]["actor"] == "ana"


def test_an_automatic_escalation_carries_a_note_summarising_its_evidence(app: App) -> None:
    _, incident = run(app, {**L1_OK, "sip.callee_liveness": says(OK, "bob is registered and answers OPTIONS"),
                            "directory.remote_party": says(FAIL, "+15550002 is assigned to bob and carol")})
    view = app.incidents.get(incident)
    escalated = moves(view, "escalated")[0]
    assert escalated["actor"] == "calltriage" and escalated["data"]["request"] == "remote-party-check"
    note = escalated["note"]
    assert note.startswith("Escalated to level 2 (remote-party-check) on 7 finding(s), 6 from probes, 1 from "
                           "operators: ")
    assert "l1.other_party_registered → yes (probe sip.callee_liveness: bob is registered and answers OPTIONS)" in note
    assert "intake.client_error_message → none (operator ana: no message on the screen)" in note
    assert escalated["data"]["summary"] == note
    # the level-2 close rests on level 2's own finding
    assert view["resolution"] == "remote-party-conflict"
    closed = moves(view, "closed")[0]["data"]["evidence"]
    assert [(i["node"], i["by"]) for i in closed] == [("l2.remote_party", "probe")]


def test_a_handoff_decided_by_an_operator_names_the_operator(app: App) -> None:
    triage = TriageService(app.incidents, cast(Any, ScriptedRunner({})), None)
    incident = triage.triage(caller="alice", callee="bob", actor=ANA).incident["id"]
    app.incidents.answer(incident, "met", actor=ANA)
    view = app.incidents.answer(incident, "license", actor=ANA, note="'licence expired' on the screen")
    handed = moves(view, "handed-off")[0]["data"]["evidence"]
    assert handed[-1] == {**handed[-1], "node": "intake.client_error_message", "outcome": "license", "by": "operator",
                          "summary": "'licence expired' on the screen"}
    # the version probe could not run: the operator's answer is the evidence for that step
    assert [(i["node"], i["by"]) for i in handed] == [("intake.operational_requirements", "operator"),
                                                      ("intake.client_error_message", "operator")]


def test_an_escalation_by_hand_keeps_the_operators_note_and_names_the_evidence(app: App) -> None:
    _, incident = run(app, {**L1_OK, "calls.test_call": says(FAIL, "403 forbidden"),
                            "directory.client_config": says(OK, "settings match")})
    view = app.incidents.get(incident)
    assert view["level"] == 2
    escalated = moves(view, "escalated")[0]
    assert escalated["data"]["evidence"][-1]["node"] == "l1.client_config"
    manual = app.incidents.escalate(incident, "suspected-client-bug", actor=BEN, note="looks like the app")
    last = moves(manual, "escalated")[-1]
    assert last["note"] == "looks like the app" and last["data"]["summary"].startswith("Escalated to level 3")
