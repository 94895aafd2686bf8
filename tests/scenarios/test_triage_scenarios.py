"""Fault scenarios against the real lab: each reaches its verdict from the server's own evidence.

Each test starts a private Kamailio, simulated PrivateGSM apps (PJSIP user agents), injects one
fault and runs the triage. The simulated user acts when the desk asks (the `on_wait` hook is
the operator telling the user "force a reconnection now"); the operator answers only what no
probe can tell (e.g. whether the app showed an error message). The decisive verdicts must come
from probes, which the tests check in the timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from calltriage.probes.runner import ProbeRunner
from calltriage.services.context import build_app
from calltriage.services.triage import TriageService
from tests.cast import ANA, BEN
from tests.probes.conftest import settings_for

pytestmark = pytest.mark.lab

ECHO = ("echo", "echo-pw", "+15550100")  # the support line's echo account: a known-good destination
# seconds the probes watch for the user's action (the playbook says 60-120 s). The simulated user
# acts before the watch starts, so a watch that should see it ends at once; only silent ones wait.
WAIT = 15.0


class Desk:
    """The triage as an operator runs it, with the simulated user acting when asked."""

    def __init__(self, db_url: str, lab: Any, actions: dict[str, Callable[[], None]]) -> None:
        self.app = build_app(db_url)
        self.actions = actions
        self.waited: list[str] = []
        self.runner = ProbeRunner()
        self.triage = TriageService(self.app.incidents, self.runner, settings_for(lab), max_wait=WAIT,
                                    on_wait=self._user_acts)

    def _user_acts(self, node: str, instruction: str, seconds: float) -> None:
        self.waited.append(node)
        action = self.actions.get(node)
        if action is not None:
            action()

    def run(self, *, operator: dict[str, str] | None = None, caller: str = "alice", callee: str = "bob",
            all_used: bool = True) -> dict[str, Any]:
        """Triage, answering as the operator only at the nodes given; return the incident."""
        operator = dict(operator or {})
        report = self.triage.triage(caller=caller, callee=callee, summary="can't call", actor=ANA)
        incident_id = report.incident["id"]
        # a handoff ends this playbook (the incident goes on in the next one: not this test's business)
        while report.waiting_for is not None and not any(e["kind"] == "handed-off"
                                                         for e in report.incident["events"]):
            node = report.waiting_for
            assert node in operator, f"stopped at {node} without an operator answer; probes: {report.probed}"
            level = self.app.incidents.next_step(incident_id)["level"]
            self.app.incidents.answer(incident_id, operator.pop(node), actor=ANA if level == 1 else BEN, node=node)
            report = self.triage.advance(incident_id)
        assert not (operator and all_used), f"operator answers not used: {operator}"
        return report.incident

    def close(self) -> None:
        self.runner.close()


def decided_by_probe(view: dict[str, Any]) -> dict[str, str]:
    return {e["node"]: e["outcome"] for e in view["events"] if e["kind"] == "probed" and e["outcome"]}


@pytest.fixture
def desk_for(sqlite_db_url: str) -> Iterator[Callable[..., Desk]]:
    desks: list[Desk] = []

    def make(lab: Any, actions: dict[str, Callable[[], None]] | None = None) -> Desk:
        desk = Desk(sqlite_db_url, lab, actions or {})
        desks.append(desk)
        return desk

    yield make
    for desk in desks:
        desk.close()


@pytest.fixture(params=["kamailio", "privateserver"])
def lab(request: pytest.FixtureRequest, lab_factory: Callable[..., Any]) -> Any:
    """Every scenario runs on the Kamailio lab and on the PrivateServer lab (the appliance's
    views, NRPE and console around the same Kamailio) and must reach the same terminal."""
    server = lab_factory(backend=request.param)
    server.add_account(*ECHO)
    return server


@pytest.fixture
def agent(lab: Any, user_agent_factory: Callable[..., Any]) -> Callable[..., Any]:
    def make(user: str, password: str | None = None, **options: Any) -> Any:
        if user == ECHO[0] and password is None:
            password = ECHO[1]
        return user_agent_factory(lab, user, password, **options)

    return make


def healthy_cast(agent: Callable[..., Any], *, echo: bool = True) -> tuple[Any, Any]:
    """alice (the caller) and bob (the callee) registered over TLS, the echo line answering."""
    alice = agent("alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 200
    bob = agent("bob")
    assert bob.register().code == 200
    if echo:
        assert agent("echo").register().code == 200
    return alice, bob


def test_a_caller_offline_who_does_not_reconnect_is_handed_to_connection_issues(lab: Any, desk_for: Any) -> None:
    desk = desk_for(lab)  # alice's app never reaches the server
    # the server sees nothing: no evidence, so the operator decides from what the user reports
    view = desk.run(operator={"intake.operational_requirements": "met", "intake.client_error_message": "none",
                              "l1.force_reconnection": "failed"})
    handed = [e for e in view["events"] if e["kind"] == "handed-off"]
    assert [e["data"]["playbook"] for e in handed] == ["connection-issues"]
    assert handed[0]["data"]["evidence"][-1]["by"] == "operator"  # the user's word, not silence
    assert decided_by_probe(view) == {"l1.connection_status": "disconnected"}
    silent = [e for e in view["events"] if e["node"] == "l1.force_reconnection" and e["kind"] == "probed"]
    assert [(e["outcome"], e["data"]["result"]["status"]) for e in silent] == [(None, "silent")]
    assert desk.waited == ["l1.force_reconnection"]
    # the same incident continues in "connection issues", where the probes go on: the server is
    # reachable, alice is not registered
    assert view["handoff"] == "connection-issues" and view["playbook"] == "connection-issues"
    assert (view["status"], view["current"]) == ("open", "ci.device_internet")
    desk.app.incidents.answer(view["id"], "yes", actor=ANA, node="ci.device_internet")
    report = desk.triage.advance(view["id"])
    assert report.waiting_for == "ci.session_events"
    assert decided_by_probe(desk.app.incidents.get(view["id"])) == {
        "l1.connection_status": "disconnected", "ci.server_reachable": "reachable",
        "ci.registration": "not-registered"}


def test_it_closes_as_not_an_issue_when_the_callee_is_not_registered(lab: Any, agent: Any, desk_for: Any) -> None:
    alice = agent("alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 200
    assert agent("echo").register().code == 200
    desk = desk_for(lab, {
        "l1.force_reconnection": lambda: alice.register(),
        "l1.test_call": lambda: alice.call(ECHO[2]),
        "l1.call_other_party": lambda: alice.call("+15550002"),
    })
    view = desk.run(operator={"intake.client_error_message": "none"})
    assert (view["status"], view["resolution"]) == ("closed", "not-an-issue")
    assert decided_by_probe(view) == {
        "intake.operational_requirements": "met", "l1.connection_status": "connected",
        "l1.force_reconnection": "ok", "l1.test_call": "succeeded", "l1.call_other_party": "no",
        "l1.other_party_registered": "no"}


def test_it_closes_as_not_an_issue_when_the_callee_device_is_gone(lab: Any, agent: Any, desk_for: Any) -> None:
    alice, bob = healthy_cast(agent)
    bob.vanish()  # the phone died without unregistering: a stale contact stays on the server
    assert lab.contacts("bob")
    desk = desk_for(lab, {
        "l1.force_reconnection": lambda: alice.register(),
        "l1.test_call": lambda: alice.call(ECHO[2]),
        "l1.call_other_party": lambda: alice.call("+15550002"),
    })
    view = desk.run(operator={"intake.client_error_message": "none"})
    assert (view["status"], view["resolution"]) == ("closed", "not-an-issue")
    assert decided_by_probe(view)["l1.other_party_registered"] == "no"
    liveness = [e for e in view["events"] if e["node"] == "l1.other_party_registered" and e["kind"] == "probed"]
    assert liveness[0]["data"]["result"]["status"] == "fail"


def test_a_wrong_password_in_the_app_is_a_client_misconfiguration(lab: Any, agent: Any, desk_for: Any) -> None:
    assert agent("echo").register().code == 200
    alice = agent("alice", "not-her-password", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code in (401, 403)
    desk = desk_for(lab, {
        "l1.force_reconnection": lambda: alice.register(),
        "l1.test_call": lambda: alice.call(ECHO[2]),
    })
    view = desk.run(operator={"intake.operational_requirements": "met", "intake.client_error_message": "none"})
    assert (view["status"], view["resolution"], view["category"]) == (
        "closed", "client-misconfiguration", "misconfiguration")
    decided = decided_by_probe(view)
    assert decided["l1.force_reconnection"] == "ok" and decided["l1.client_config"] == "wrong"


def test_a_transient_network_fault_that_heals_is_a_temporary_network_problem(
        lab: Any, agent: Any, desk_for: Any) -> None:
    from calltriage_lab.relay import FlakyLink

    link = FlakyLink(lab.tls_port, "tls").start()
    try:
        alice = agent("alice", user_agent="PrivateGSM/3.4.0 (Android)", port=link.port)
        assert alice.register().code == 200
        assert agent("bob").register().code == 200
        assert agent("echo").register().code == 200
        link.cut()  # the user's network drops: their call fails
        assert alice.call("+15550002", timeout=3).code != 200

        def reconnect() -> None:
            link.heal()
            alice.register()

        desk = desk_for(lab, {
            "l1.force_reconnection": reconnect,
            "l1.test_call": lambda: alice.call(ECHO[2]),
            "l1.call_other_party": lambda: alice.call("+15550002"),
        })
        view = desk.run(operator={"intake.client_error_message": "none"})
    finally:
        link.close()
    assert (view["status"], view["resolution"], view["category"]) == (
        "closed", "temporary-network-problem", "connection")
    assert decided_by_probe(view)["l1.call_other_party"] == "yes"


def test_a_virtual_number_assigned_twice_is_a_remote_party_conflict(lab: Any, agent: Any, desk_for: Any) -> None:
    alice, _bob = healthy_cast(agent)
    # carol (not registered) now holds bob's number too, and her row answers the lookup first
    lab.db.sql("DELETE FROM dbaliases WHERE alias_username = '+15550002'")
    lab.duplicate_number("+15550002", "carol")
    lab.add_alias("+15550002", "bob")
    desk = desk_for(lab, {
        "l1.force_reconnection": lambda: alice.register(),
        "l1.test_call": lambda: alice.call(ECHO[2]),
        "l1.call_other_party": lambda: alice.call("+15550002"),
    })
    view = desk.run(operator={"intake.client_error_message": "none"})
    assert (view["status"], view["resolution"], view["level"]) == ("closed", "remote-party-conflict", 2)
    assert [e["request"] for e in view["escalations"]] == ["remote-party-check"]
    assert decided_by_probe(view)["l2.remote_party"] == "conflict-found"


def test_an_expired_server_certificate_fails_the_reconnection_and_connection_issues_find_it(
        lab: Any, agent: Any, desk_for: Any) -> None:
    healthy_cast(agent, echo=False)
    lab.swap_certificate("expired", restart=False)  # kept connections live on; new handshakes fail

    def reconnect() -> None:  # "Force Manual Reconnection" opens a new TLS connection: it fails
        assert agent("alice", user_agent="PrivateGSM/3.4.0 (Android)").register(timeout=3).code != 200

    desk = desk_for(lab, {"l1.force_reconnection": reconnect})
    report = desk.triage.triage(caller="alice", callee="bob", actor=ANA)
    incident_id = report.incident["id"]
    desk.app.incidents.answer(incident_id, "none", actor=ANA, node="intake.client_error_message")
    report = desk.triage.advance(incident_id)
    # the server saw no REGISTER: no evidence; the user says the app shows "connection failed"
    assert report.waiting is not None and report.waiting["state"] == "no-evidence-yet"
    desk.app.incidents.answer(incident_id, "failed", actor=ANA, node="l1.force_reconnection")
    report = desk.triage.advance(incident_id)  # the incident continues in "Connection issues"
    desk.app.incidents.answer(incident_id, "yes", actor=ANA, node="ci.device_internet")
    view = desk.triage.advance(incident_id).incident
    handed = [e for e in view["events"] if e["kind"] == "handed-off"]
    assert [e["data"]["playbook"] for e in handed] == ["connection-issues"]
    network = [e for e in view["events"] if e["node"] == "ci.server_reachable" and e["kind"] == "probed"][0]
    assert network["outcome"] == "fault" and "expired" in network["data"]["result"]["summary"]


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_a_stopped_or_frozen_server_is_a_server_fault(lab: Any, desk_for: Any, fault: str) -> None:
    if fault == "stopped":
        lab.stop()
    else:
        lab.freeze()
    try:
        desk = desk_for(lab)
        # the control interface is gone: the operator answers what the user says where probes cannot
        # run; the call records in the accounts database still speak for the rest
        view = desk.run(operator={
            "intake.operational_requirements": "met", "intake.client_error_message": "none",
            "l1.connection_status": "disconnected", "l1.force_reconnection": "ok", "l1.test_call": "failed",
            "l1.client_config": "correct"}, all_used=False)
    finally:
        if fault == "frozen":
            lab.thaw()
    assert (view["status"], view["resolution"]) == ("closed", "server-fault")
    assert decided_by_probe(view)["l2.server_network"] == "fault"
    errors = [e for e in view["events"] if e["kind"] == "probed" and e["data"]["result"]["status"] == "error"]
    assert errors, "level-1 probes must report that they could not run"


def test_an_accounts_database_down_is_a_server_fault(lab: Any, agent: Any, desk_for: Any) -> None:
    alice, _bob = healthy_cast(agent)
    lab.break_database()
    try:
        desk = desk_for(lab, {
            "l1.force_reconnection": lambda: alice.register(),
            "l1.test_call": lambda: alice.call(ECHO[2]),
        })
        view = desk.run(operator={"intake.client_error_message": "none", "l1.client_config": "correct"})
    finally:
        lab.restore_database()
    assert (view["status"], view["resolution"]) == ("closed", "server-fault")
    services = [e for e in view["events"] if e["node"] == "l2.server_services" and e["kind"] == "probed"][0]
    assert services["outcome"] == "fault"
    assert decided_by_probe(view)["l2.server_network"] == "ok"


def test_healthy_server_but_failing_calls_escalate_to_level_3_as_a_suspected_client_bug(
        lab: Any, agent: Any, desk_for: Any, tmp_path: Path) -> None:
    from calltriage.services.attachments import attach_log

    alice, _bob = healthy_cast(agent)
    desk = desk_for(lab, {"l1.force_reconnection": lambda: alice.register()})
    # the app's bug: its test call never leaves the phone, so the server sees no attempt
    report = desk.triage.triage(caller="alice", callee="bob", actor=ANA)
    incident_id = report.incident["id"]
    assert report.waiting_for == "intake.client_error_message"
    desk.app.incidents.answer(incident_id, "none", actor=ANA, node="intake.client_error_message")
    report = desk.triage.advance(incident_id)
    # the server saw no attempt: no evidence, the operator answers from what the user says
    assert report.waiting_for == "l1.test_call" and report.waiting is not None
    assert report.waiting["state"] == "no-evidence-yet"
    desk.app.incidents.answer(incident_id, "failed", actor=ANA, node="l1.test_call", note="the call never rang")
    report = desk.triage.advance(incident_id)
    assert report.waiting_for == "l2.client_logs"  # no log attached yet: the step asks for one
    log = Path(alice.log_path).read_bytes()
    attach_log(desk.app.store, incident_id, "pjsip-alice.log", log, actor=BEN)
    report = desk.triage.advance(incident_id)
    view = report.incident
    assert view["status"] == "open" and view["level"] == 3 and view["current"] == "l3.client_bug"
    assert [e["request"] for e in view["escalations"]] == ["server-status-check", "suspected-client-bug"]
    decided = decided_by_probe(view)
    assert "l1.test_call" not in decided and decided["l2.server_services"] == "ok"
    assert decided["l2.client_logs"] == "collected"


def test_a_client_below_the_minimum_version_violates_the_operational_requirements(
        lab: Any, agent: Any, desk_for: Any) -> None:
    alice = agent("alice", user_agent="PrivateGSM/2.1.0 (Android)")
    assert alice.register().code == 200
    view = desk_for(lab).run()
    assert (view["status"], view["resolution"], view["category"]) == (
        "closed", "operational-requirements-violation", "out-of-scope")
    assert decided_by_probe(view) == {"intake.operational_requirements": "violated"}
