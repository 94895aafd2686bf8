"""The fault matrix: each situation a support desk meets, what the simulated user does when asked,
what the operator answers from what the user says, and the terminal it must reach.

``operator`` holds only what no probe can tell (the app's error message, what the user reports
when the server saw nothing); ``decided`` the verdicts that must come from probes; ``questions``
how many steps the operator answers. Played by tests/scenarios/test_matrix.py and by
bench/bench_accuracy.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tests.scenarios.play import WATCH_AGAIN
from tests.scenarios.stage import ECHO, Stage

NONE = {"intake.client_error_message": "none"}  # the app showed no specific error (the user says)


@dataclass(frozen=True)
class Scenario:
    name: str
    situation: str
    setup: Callable[[Stage], None]
    expect: str  # Played.got
    questions: int
    decided: Mapping[str, str] = field(default_factory=dict)
    operator: Mapping[str, str | Sequence[str]] = field(default_factory=lambda: dict(NONE))
    caller: str = "alice"
    callee: str = "bob"
    watch_agains: int = 0
    by_operator: bool = False  # the terminal rests on the operator's word (the server saw nothing)
    remedy: str = ""  # words the close's instruction must contain (what to do follows from the finding)
    lab: Mapping[str, Any] = field(default_factory=dict)  # KamailioLab options
    needs: tuple[str, ...] = ()  # "netns": client networks in network namespaces
    # the labs it plays on: the Kamailio lab and the PrivateServer lab (the appliance's views, NRPE
    # and console around the same Kamailio); a fault only one lab can stage names that one
    backends: tuple[str, ...] = ("kamailio", "privateserver")
    # what differs on one lab, e.g. a step its sources can answer where the other's cannot
    differs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def on(self, backend: str) -> Scenario:
        """The scenario as played on ``backend``."""
        return replace(self, **self.differs.get(backend, {}))


def _calls(stage: Stage, alice: Any, other: str = "+15550002") -> None:
    """The user reconnects, calls the echo line, then the other party, each when asked."""
    stage.when("l1.force_reconnection", alice.register)
    stage.when("l1.test_call", lambda: alice.call(ECHO[2]))
    stage.when("l1.call_other_party", lambda: alice.call(other))


def _attach_log(agent: Any) -> Callable[[Any, int], None]:
    def attach(app: Any, incident: int) -> None:
        from calltriage.services.attachments import attach_log
        from tests.scenarios.play import OPERATORS

        attach_log(app.store, incident, "pjsip-alice.log", Path(agent.log_path).read_bytes(), actor=OPERATORS[2])

    return attach


# ---- the callee's side ------------------------------------------------------------------------

def callee_not_registered(stage: Stage) -> None:
    alice = stage.registered("alice", user_agent="PrivateGSM/3.4.0 (Android)")
    stage.registered(ECHO[0])
    _calls(stage, alice)


def callee_device_gone(stage: Stage) -> None:
    alice, bob = stage.healthy()
    bob.vanish()  # the phone died without un-registering: a stale contact stays on the server
    _calls(stage, alice)


def callee_reachable_now(stage: Stage) -> None:
    alice, _ = stage.healthy()
    _calls(stage, alice)


def callee_on_two_devices(stage: Stage) -> None:
    alice, old_phone = stage.healthy()
    new_phone = stage.registered("bob")
    new_phone.answer_mode("decline", 486)  # the device in use rejects; the old one is gone
    old_phone.vanish()
    _calls(stage, alice)


def callee_rejects_every_call(stage: Stage) -> None:
    alice, bob = stage.healthy()
    bob.answer_mode("decline", 603)
    _calls(stage, alice)
    stage.at("l2.client_logs", _attach_log(alice))


def number_twice_callee_by_name(stage: Stage) -> None:
    alice, _ = stage.healthy()
    # carol (not registered) now holds bob's number too, and her row answers the lookup first
    stage.lab.db.remove_alias("+15550002")
    stage.lab.add_alias("+15550002", "carol")
    stage.lab.add_alias("+15550002", "bob")
    _calls(stage, alice)


def number_twice_callee_by_number(stage: Stage) -> None:
    number_twice_callee_by_name(stage)


def callee_unknown_number(stage: Stage) -> None:
    alice, _ = stage.healthy()
    _calls(stage, alice, "+15559999")


# ---- the caller's side ------------------------------------------------------------------------

def caller_never_reconnects(stage: Stage) -> None:
    stage.registered("bob")  # alice's app never reaches the server


def caller_reconnects_late(stage: Stage) -> None:
    alice, _ = stage.healthy()
    stage.when("l1.force_reconnection", None, alice.register)  # not yet ... now
    stage.when("l1.test_call", lambda: alice.call(ECHO[2]))
    stage.when("l1.call_other_party", lambda: alice.call("+15550002"))


def caller_by_number(stage: Stage) -> None:
    callee_reachable_now(stage)


def wrong_password(stage: Stage) -> None:
    stage.registered(ECHO[0])
    alice = stage.agent("alice", "not-her-password", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code in (401, 403)
    _calls(stage, alice)


def account_disabled(stage: Stage) -> None:
    stage.registered(ECHO[0])
    stage.lab.set_disabled("alice")
    alice = stage.agent("alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 403
    _calls(stage, alice)


def client_too_old(stage: Stage) -> None:
    stage.registered("alice", user_agent="PrivateGSM/2.1.0 (Android)")


def sip_stack_version_only(stage: Stage) -> None:
    # the app's own token carries no version; "2.14.1" is the SIP stack's (below the minimum 3.0)
    alice = stage.registered("alice", user_agent="PrivateGSM (Android; pjsip 2.14.1)")
    stage.registered(ECHO[0])
    _calls(stage, alice)


def licence_message(stage: Stage) -> None:
    stage.healthy(echo=False)


def test_call_fails_at_the_callee(stage: Stage) -> None:
    alice, _ = stage.healthy(echo=False)  # the echo line is down: the test call ends in 480
    _calls(stage, alice)


def test_call_never_leaves_the_phone(stage: Stage) -> None:
    alice, _ = stage.healthy()
    stage.when("l1.force_reconnection", alice.register)  # the app's bug: its calls never leave the phone
    stage.at("l2.client_logs", _attach_log(alice))


def flaky_link_heals(stage: Stage) -> None:
    from calltriage_lab.relay import FlakyLink

    link = FlakyLink(stage.lab.tls_port, "tls").start()
    stage.later(link.close)
    alice = stage.registered("alice", user_agent="PrivateGSM/3.4.0 (Android)", port=link.port)
    stage.registered("bob")
    stage.registered(ECHO[0])
    link.cut()  # the user's network drops: their call fails
    assert alice.call("+15550002", timeout=3).code != 200

    def reconnect() -> None:
        link.heal()
        alice.register()

    _calls(stage, alice)
    stage.when("l1.force_reconnection", reconnect)


# ---- the user's network (client networks in network namespaces) ----------------------------

def callee_behind_expired_nat(stage: Stage) -> None:
    alice = stage.registered("alice", user_agent="PrivateGSM/3.4.0 (Android)")
    stage.registered(ECHO[0])
    home = stage.network("home")
    stage.registered("bob", network=home, transport="udp")
    assert home.expire_nat() >= 1  # the router forgot bob's binding before his keep-alive
    _calls(stage, alice)
    stage.when("l1.call_other_party", lambda: alice.call("+15550002", timeout=4))


def caller_network_blocks_tls(stage: Stage) -> None:
    office = stage.network("office", block=("tls",))
    alice = stage.agent("alice", network=office, user_agent="PrivateGSM/3.4.0 (Android)")
    stage.registered("bob")
    stage.when("l1.force_reconnection", lambda: alice.register(timeout=3))  # never reaches the server


def lossy_network_heals(stage: Stage) -> None:
    cafe = stage.network("cafe")
    alice = stage.registered("alice", network=cafe, user_agent="PrivateGSM/3.4.0 (Android)")
    stage.registered("bob")
    stage.registered(ECHO[0])
    cafe.set_loss(20)  # the user's calls failed on a lossy network ...

    def reconnect() -> None:  # ... which is fine again when the desk asks
        cafe.set_loss(0)
        alice.register()

    _calls(stage, alice)
    stage.when("l1.force_reconnection", reconnect)


def udp_where_tls_required(stage: Stage) -> None:
    stage.registered(ECHO[0])
    alice = stage.agent("alice", transport="udp", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 403  # the service accepts this account over TLS only
    _calls(stage, alice)


# ---- the server's side ------------------------------------------------------------------------

def accounting_rows_lost(stage: Stage) -> None:
    alice, _ = stage.healthy()
    release: list[Callable[[], None]] = []

    def locked_reconnect() -> None:  # another writer holds the accounts DB: acc rows are lost
        release.append(stage.lock_database())
        assert alice.register().code == 200

    def call_echo() -> None:
        release.pop()()
        alice.call(ECHO[2])

    _calls(stage, alice)
    stage.when("l1.force_reconnection", locked_reconnect)
    stage.when("l1.test_call", call_echo)


def expired_certificate(stage: Stage) -> None:
    stage.healthy()
    stage.lab.swap_certificate("expired", restart=False)  # kept connections live on; new handshakes fail

    def reconnect() -> None:  # a forced reconnection opens a new TLS connection: its handshake fails
        assert stage.agent("alice", user_agent="PrivateGSM/3.4.0 (Android)").register(timeout=3).code != 200

    stage.when("l1.force_reconnection", reconnect)


def accounts_db_down(stage: Stage) -> None:
    alice, _ = stage.healthy()
    stage.lab.break_database()
    stage.later(stage.lab.restore_database)
    stage.when("l1.force_reconnection", alice.register)
    stage.when("l1.test_call", lambda: alice.call(ECHO[2]))


def server_stopped(stage: Stage) -> None:
    stage.lab.stop()


def server_frozen(stage: Stage) -> None:
    stage.lab.freeze()
    stage.later(stage.lab.thaw)


L1_OK = {"intake.operational_requirements": "met", "l1.connection_status": "connected", "l1.force_reconnection": "ok",
         "l1.test_call": "succeeded"}

SCENARIOS: list[Scenario] = [
    Scenario("callee-not-registered", "the other party's app is not registered", callee_not_registered,
             "closed:not-an-issue", 1, {**L1_OK, "l1.call_other_party": "no", "l1.other_party_registered": "no"}),
    Scenario("callee-device-gone", "the other party's phone died: a stale registration stays", callee_device_gone,
             "closed:not-an-issue", 1, {"l1.other_party_registered": "no"}),
    Scenario("callee-reachable-now", "the user can call the other party again", callee_reachable_now,
             "closed:temporary-network-problem", 1, {**L1_OK, "l1.call_other_party": "yes"}),
    Scenario("callee-on-two-devices", "the other party has a live and a dead device; the live one rejects",
             callee_on_two_devices, "closed:remote-party-conflict", 1,
             {"l1.other_party_registered": "yes", "l2.remote_party": "conflict-found"},
             backends=("kamailio",)),  # the appliance's session log does not tell one account's devices apart
    Scenario("callee-rejects-every-call", "the other party's app rejects every call; nothing wrong on the server",
             callee_rejects_every_call, "L3:suspected-client-bug", 1,
             {"l1.other_party_registered": "yes", "l2.remote_party": "no-conflict", "l2.client_logs": "collected"}),
    Scenario("number-twice-callee-by-name", "the callee's number is assigned to a second, offline account",
             number_twice_callee_by_name, "closed:remote-party-conflict", 1,
             {"l1.other_party_registered": "yes", "l2.remote_party": "conflict-found"}),
    Scenario("number-twice-callee-by-number", "the callee typed as a number assigned to two accounts, the routed "
             "one offline", number_twice_callee_by_number, "closed:remote-party-conflict", 1,
             {"l1.call_other_party": "no", "l1.other_party_registered": "yes", "l2.remote_party": "conflict-found"},
             callee="+15550002"),
    Scenario("callee-unknown-number", "the user dials a number nobody owns", callee_unknown_number,
             "closed:not-an-issue", 1, {"l1.call_other_party": "no", "l1.other_party_registered": "no"},
             callee="+15559999"),
    Scenario("caller-never-reconnects", "the caller's app never reaches the server; the user says it failed",
             caller_never_reconnects, "handoff:connection-issues", 3, {"l1.connection_status": "disconnected"},
             {**NONE, "intake.operational_requirements": "met", "l1.force_reconnection": "failed"},
             by_operator=True),
    Scenario("caller-reconnects-late", "the user reconnects only after the first watch: the operator watches "
             "again", caller_reconnects_late, "closed:temporary-network-problem", 1,
             {**L1_OK, "l1.call_other_party": "yes"}, {**NONE, "l1.force_reconnection": WATCH_AGAIN},
             watch_agains=1),
    Scenario("caller-by-number", "the caller typed as a virtual number", caller_by_number,
             "closed:temporary-network-problem", 1, {**L1_OK, "l1.call_other_party": "yes"}, caller="+15550001"),
    Scenario("wrong-password", "a wrong password in the app", wrong_password, "closed:client-misconfiguration", 2,
             {"l1.connection_status": "connecting", "l1.force_reconnection": "ok", "l1.test_call": "failed",
              "l1.client_config": "wrong"}, {**NONE, "intake.operational_requirements": "met"},
             remedy="right password in the app"),
    Scenario("account-disabled", "the account is disabled on the server", account_disabled,
             "closed:client-misconfiguration", 2, {"l1.force_reconnection": "ok", "l1.client_config": "wrong"},
             {**NONE, "intake.operational_requirements": "met"}, remedy="an administrator must re-enable it"),
    Scenario("client-too-old", "the app is older than the supported minimum", client_too_old,
             "closed:operational-requirements-violation", 0, {"intake.operational_requirements": "violated"}, {}),
    Scenario("sip-stack-version-only", "the User-Agent names the SIP stack's version, not the app's",
             sip_stack_version_only, "closed:not-an-issue", 2, {"l1.other_party_registered": "no"},
             {**NONE, "intake.operational_requirements": "met"}),
    Scenario("licence-message", "the app shows a licence error", licence_message, "handoff:license-problem", 1,
             {"intake.operational_requirements": "met"}, {"intake.client_error_message": "license"},
             by_operator=True),
    Scenario("test-call-fails-at-the-callee", "the echo line is down: the test call was routed and failed there",
             test_call_fails_at_the_callee, "closed:temporary-network-problem", 1,
             {**L1_OK, "l1.call_other_party": "yes"}),
    Scenario("test-call-never-leaves-the-phone", "a healthy server, but the app's calls never reach it",
             test_call_never_leaves_the_phone, "L3:suspected-client-bug", 2,
             {"l1.client_config": "correct", "l2.server_network": "ok", "l2.server_services": "ok",
              "l2.client_logs": "collected"}, {**NONE, "l1.test_call": "failed"}),
    Scenario("flaky-link-heals", "the user's network dropped and came back", flaky_link_heals,
             "closed:temporary-network-problem", 1, {"l1.force_reconnection": "ok", "l1.call_other_party": "yes"}),
    Scenario("callee-behind-expired-nat", "the other party's NAT binding expired: registered but unreachable",
             callee_behind_expired_nat, "closed:not-an-issue", 1,
             {**L1_OK, "l1.call_other_party": "no", "l1.other_party_registered": "no"}, needs=("netns",)),
    Scenario("caller-network-blocks-tls", "the user's network blocks the SIP/TLS port; the user says the "
             "reconnection failed", caller_network_blocks_tls, "handoff:connection-issues", 3,
             {"l1.connection_status": "disconnected"},
             {**NONE, "intake.operational_requirements": "met", "l1.force_reconnection": "failed"},
             by_operator=True, needs=("netns",)),
    Scenario("lossy-network-heals", "the user's network lost 20 % of packets, then healed", lossy_network_heals,
             "closed:temporary-network-problem", 1, {**L1_OK, "l1.call_other_party": "yes"}, needs=("netns",)),
    Scenario("udp-where-tls-required", "the app registers over UDP; the service requires TLS",
             udp_where_tls_required, "closed:client-misconfiguration", 2,
             {"l1.connection_status": "connecting", "l1.force_reconnection": "ok", "l1.test_call": "failed",
              "l1.client_config": "wrong"}, {**NONE, "intake.operational_requirements": "met"},
             lab={"tls_only": True}, remedy="transport TLS"),
    Scenario("accounting-rows-lost", "the accounts DB is write-locked: the reconnection leaves no accounting row",
             accounting_rows_lost, "closed:temporary-network-problem", 1,
             {**L1_OK, "l1.call_other_party": "yes"}, backends=("kamailio",)),  # an SQLite writer's lock
    Scenario("expired-certificate", "the server's TLS certificate expired: connected apps live on, a forced "
             "reconnection fails (the server sees no REGISTER; the user says it failed)", expired_certificate,
             "handoff:connection-issues", 2, {"l1.connection_status": "connected"},
             {**NONE, "l1.force_reconnection": "failed"}, by_operator=True),
    Scenario("accounts-db-down", "the server's accounts database is down", accounts_db_down,
             "closed:server-fault", 2, {"l2.server_network": "ok", "l2.server_services": "fault"},
             {**NONE, "l1.client_config": "correct"}),
    Scenario("server-stopped", "the SIP server is down", server_stopped, "closed:server-fault", 5,
             {"l1.client_config": "correct", "l2.server_network": "fault"},
             {**NONE, "intake.operational_requirements": "met", "l1.connection_status": "disconnected",
              "l1.force_reconnection": "ok", "l1.test_call": "failed"}),
    Scenario("server-frozen", "the SIP server hangs", server_frozen, "closed:server-fault", 6,
             {"l2.server_network": "fault"},
             {**NONE, "intake.operational_requirements": "met", "l1.connection_status": "disconnected",
              "l1.force_reconnection": "ok", "l1.test_call": "failed", "l1.client_config": "correct"},
             # the appliance's directory is its MariaDB views, which still answer: the probe decides
             differs={"privateserver": {"questions": 5, "decided": {"l1.client_config": "correct",
                                                                     "l2.server_network": "fault"},
                                        "operator": {**NONE, "intake.operational_requirements": "met",
                                                     "l1.connection_status": "disconnected",
                                                     "l1.force_reconnection": "ok", "l1.test_call": "failed"}}}),
]
