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
from typing import Any

from tests.scenarios.play import WATCH_AGAIN
from tests.scenarios.setups import (
    account_disabled,
    accounting_rows_lost,
    accounts_db_down,
    callee_behind_expired_nat,
    callee_device_gone,
    callee_not_registered,
    callee_on_two_devices,
    callee_reachable_now,
    callee_rejects_every_call,
    callee_unknown_number,
    caller_by_number,
    caller_network_blocks_tls,
    caller_never_reconnects,
    caller_reconnects_late,
    calls_never_leave_the_phone,
    client_too_old,
    echo_line_down,
    expired_certificate,
    flaky_link_heals,
    licence_message,
    lossy_network_heals,
    number_twice_callee_by_name,
    number_twice_callee_by_number,
    server_frozen,
    server_stopped,
    sip_stack_version_only,
    udp_where_tls_required,
    wrong_password,
)
from tests.scenarios.stage import Stage

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


# The SIP server is down or hangs: level 1 cannot be probed, the operator answers from what the
# user says. On Kamailio the registrar cannot be asked and no REGISTER is recorded, so the config
# check cannot tell either (the operator answers it); the appliance's directory and session log are
# MariaDB views, which still answer: there the probe decides it.
SERVER_DOWN = {**NONE, "intake.operational_requirements": "met", "l1.connection_status": "disconnected",
               "l1.force_reconnection": "ok", "l1.test_call": "failed"}
APPLIANCE_VIEWS_ANSWER = {"privateserver": {"questions": 5, "operator": SERVER_DOWN,
                                            "decided": {"l1.client_config": "correct", "l2.server_network": "fault"}}}
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
             echo_line_down, "closed:temporary-network-problem", 1,
             {**L1_OK, "l1.call_other_party": "yes"}),
    Scenario("test-call-never-leaves-the-phone", "a healthy server, but the app's calls never reach it",
             calls_never_leave_the_phone, "L3:suspected-client-bug", 2,
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
    Scenario("server-stopped", "the SIP server is down", server_stopped, "closed:server-fault", 6,
             {"l2.server_network": "fault"}, {**SERVER_DOWN, "l1.client_config": "correct"},
             differs=APPLIANCE_VIEWS_ANSWER),
    Scenario("server-frozen", "the SIP server hangs", server_frozen, "closed:server-fault", 6,
             {"l2.server_network": "fault"}, {**SERVER_DOWN, "l1.client_config": "correct"},
             differs=APPLIANCE_VIEWS_ANSWER),
]
