"""What each scenario of the matrix stages: the lab's state, the simulated users, what they do
when the desk asks (``Stage.when``) and what the operator does at a step (``Stage.at``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.scenarios.stage import ECHO, Stage


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


def echo_line_down(stage: Stage) -> None:
    alice, _ = stage.healthy(echo=False)  # the echo line is down: the test call ends in 480
    _calls(stage, alice)


def calls_never_leave_the_phone(stage: Stage) -> None:
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
    registered_at = int(time.time())
    release: list[Callable[[], None]] = []

    def locked_reconnect() -> None:  # another writer holds the accounts DB: acc rows are lost
        # The registrar keeps whole seconds: two REGISTERs in one second cannot be told apart. As
        # in life, the reconnection comes in a later second than the registration the server had.
        while int(time.time()) == registered_at:
            time.sleep(0.05)
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
