"""Probes from the web against the real lab: a private Kamailio and simulated PrivateGSM apps.

The server config is the one the lab writes (`settings_for`), reached through CALLTRIAGE_CONFIG
exactly as `calltriage serve` reads it. The simulated user acts when the API shows the
instruction the operator must give ("force a manual reconnection now").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.web.conftest import Desk, lab_desk_on, login

pytestmark = pytest.mark.lab

ECHO = ("echo", "echo-pw", "+15550100")  # the support line's echo account: a known-good destination
WAIT = 60.0  # a watch window as generous as the playbook's: the probe ends when it sees the user act


@pytest.fixture
def lab(lab_factory: Callable[..., Any]) -> Any:
    server = lab_factory()
    server.add_account(*ECHO)
    return server


@pytest.fixture
def lab_desk(db_url: str, lab: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    yield from lab_desk_on(db_url, lab, monkeypatch, max_wait=WAIT)


def follow(desk: Desk, incident_id: int, actions: dict[str, Callable[[], Any]] | None = None,
           timeout: float = 90) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Poll the job like an operator's screen; run the user's action the first time each instruction shows."""
    actions = dict(actions or {})
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = desk.api("GET", f"/incidents/{incident_id}/triage").json()
        instruction = status["instruction"]
        if instruction and instruction not in seen:
            seen.append(instruction)
            action = actions.pop(instruction["node"], None)
            if action is not None:
                action()
        if status["state"] in ("done", "failed"):
            return status, seen
        time.sleep(0.1)
    raise AssertionError(f"the probe job of incident {incident_id} did not finish in {timeout} s")


def decided_by_probe(view: dict[str, Any]) -> dict[str, str]:
    return {e["node"]: e["outcome"] for e in view["events"] if e["kind"] == "probed" and e["outcome"]}


def test_an_api_triage_stops_where_an_operator_must_answer_and_continues_after_the_answer(
        lab_desk: Desk, lab: Any, user_agent_factory: Callable[..., Any]) -> None:
    alice = user_agent_factory(lab, "alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 200
    assert user_agent_factory(lab, "bob").register().code == 200
    assert user_agent_factory(lab, "echo", ECHO[1]).register().code == 200

    response = lab_desk.api("POST", "/triage", json={"caller": "alice", "callee": "bob", "summary": "can't call"})
    assert response.status_code == 202
    incident_id = response.json()["incident"]
    status, _ = follow(lab_desk, incident_id)
    assert status["state"] == "done" and status["server"]["domain"] == "lab.test" and status["notice"] is None
    assert status["waiting_for"] == "intake.client_error_message"  # a question no probe can answer
    assert decided_by_probe(lab_desk.api("GET", f"/incidents/{incident_id}").json()) == {
        "intake.operational_requirements": "met"}

    # The operator answers; the probes take over again in the background (as `incident answer` does).
    busy = {}

    def test_call() -> None:
        busy["second"] = lab_desk.api("POST", f"/incidents/{incident_id}/triage").status_code
        busy["page"] = login(lab_desk, "ana").get(f"/incidents/{incident_id}").text
        alice.call(ECHO[2])

    seen = lab_desk.api("GET", f"/incidents/{incident_id}").json()
    answered = lab_desk.api("POST", f"/incidents/{incident_id}/answer",
                            json={"outcome": "none", "node": "intake.client_error_message",
                                  "revision": seen["revision"]})
    assert answered.status_code == 200
    status, seen = follow(lab_desk, incident_id, {
        "l1.force_reconnection": alice.register,
        "l1.test_call": test_call,
        "l1.call_other_party": lambda: alice.call("+15550002"),
    })
    # (the reconnection may be over before a poll sees it: the app's own REGISTER from moments ago counts)
    assert [i["node"] for i in seen if i["node"] != "l1.force_reconnection"] == ["l1.test_call",
                                                                                 "l1.call_other_party"]
    assert "test call" in seen[-2]["text"] and seen[-2]["seconds"] == WAIT
    assert busy["second"] == 409  # one probe job per incident
    assert "test call" in busy["page"] and f"watching the server for {WAIT:g} s" in busy["page"]
    assert 'http-equiv="refresh"' in busy["page"]

    view = lab_desk.api("GET", f"/incidents/{incident_id}").json()
    assert (view["status"], view["resolution"]) == ("closed", "temporary-network-problem")
    assert decided_by_probe(view) == {
        "intake.operational_requirements": "met", "l1.connection_status": "connected",
        "l1.force_reconnection": "ok", "l1.test_call": "succeeded", "l1.call_other_party": "yes"}
    waiting = [e for e in view["events"] if e["kind"] == "waiting"]
    assert [e["node"] for e in waiting] == ["l1.force_reconnection", "l1.test_call", "l1.call_other_party"]
    assert "Force Manual Reconnection" in waiting[0]["note"]
    page = login(lab_desk, "ana").get(f"/incidents/{incident_id}").text
    assert "registrar.reconnection" in page and "<th scope=\"row\">" in page  # evidence as a key/value table


def test_a_caller_below_the_minimum_version_is_closed_by_the_probes_alone(
        lab_desk: Desk, lab: Any, user_agent_factory: Callable[..., Any]) -> None:
    alice = user_agent_factory(lab, "alice", user_agent="PrivateGSM/2.1.0 (Android)")
    assert alice.register().code == 200
    response = lab_desk.api("POST", "/triage", json={"caller": "alice", "callee": "bob"})
    incident_id = response.json()["incident"]
    status, seen = follow(lab_desk, incident_id)
    assert status["state"] == "done" and status["waiting_for"] is None and seen == []
    view = lab_desk.api("GET", f"/incidents/{incident_id}").json()
    assert (view["status"], view["resolution"], view["category"]) == (
        "closed", "operational-requirements-violation", "out-of-scope")
    assert decided_by_probe(view) == {"intake.operational_requirements": "violated"}
    evidence = [e for e in view["events"] if e["kind"] == "probed"][0]["data"]["result"]["evidence"]
    assert "2.1.0" in str(evidence)
