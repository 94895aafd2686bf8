"""Simulated app users against a real Kamailio: calls, registrations and their server-side traces."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.lab


def test_a_tls_user_reaches_another_through_a_virtual_number_and_the_call_is_accounted(
    kamailio_lab, user_agent_factory
):
    alice = user_agent_factory(kamailio_lab, "alice")
    bob = user_agent_factory(kamailio_lab, "bob")
    assert alice.register().code == 200
    assert bob.register().code == 200
    since = kamailio_lab.db.last_acc_id()

    result = alice.call("+15550002")

    assert result.answered and result.code == 200
    [row] = kamailio_lab.db.wait_acc_rows("INVITE", since_id=since)
    assert (row.sip_code, row.src_user, row.dst_ouser, row.dst_user, row.proto) == (
        200, "alice", "+15550002", "bob", "tls")
    assert row.callid == result.call_id
    alice.quit()
    bob.quit()


def test_calls_to_unknown_and_unregistered_users_fail_with_404_and_480_in_acc(
    kamailio_lab, user_agent_factory
):
    alice = user_agent_factory(kamailio_lab, "alice")
    alice.register()
    since = kamailio_lab.db.last_acc_id()

    assert alice.call("nobody").code == 404
    assert alice.call("+15550003").code == 480  # carol exists but is offline

    rows = kamailio_lab.db.wait_acc_rows("INVITE", since_id=since, count=2)
    assert [(r.sip_code, r.dst_ouser, r.dst_user) for r in rows] == [
        (404, "nobody", "nobody"), (480, "+15550003", "carol")]
    assert kamailio_lab.contacts("carol") == []
    alice.quit()


def test_a_wrong_password_in_the_app_gets_401_and_a_bad_password_register_row(
    kamailio_lab, user_agent_factory
):
    since = kamailio_lab.db.last_acc_id()
    carol = user_agent_factory(kamailio_lab, "carol", password="not-her-password")

    assert carol.register().code == 401

    # other agents of this shared lab may refresh meanwhile, and PJSIP may retry: carol's rows only
    rows = [r for r in kamailio_lab.db.wait_acc_rows("REGISTER", since_id=since) if r.src_user == "carol"]
    assert rows and {(r.sip_code, r.auth_result) for r in rows} == {(401, "bad-password")}
    assert any("AUTH_FAIL rc=-2" in line for line in kamailio_lab.log_lines("AUTH_FAIL"))


def test_a_disabled_account_is_refused_with_403(kamailio_lab, user_agent_factory):
    since = kamailio_lab.db.last_acc_id()
    dave = user_agent_factory(kamailio_lab, "dave")

    reg = dave.register()

    assert (reg.code, reg.reason) == (403, "Account disabled")
    rows = [r for r in kamailio_lab.db.wait_acc_rows("REGISTER", since_id=since) if r.src_user == "dave"]
    assert rows and {(r.sip_code, r.auth_result) for r in rows} == {(403, "disabled")}


def test_a_vanished_device_leaves_a_stale_contact_that_calls_cannot_reach(
    kamailio_lab, user_agent_factory
):
    alice = user_agent_factory(kamailio_lab, "alice")
    bob = user_agent_factory(kamailio_lab, "bob")
    alice.register()
    bob.register()

    bob.vanish()  # SIGKILL: no un-REGISTER
    since = kamailio_lab.db.last_acc_id()

    assert len(kamailio_lab.contacts("bob")) == 1  # the server still believes bob is there
    result = alice.call("+15550002")
    # Kamailio cannot open the dead TLS connection: 477 at once (a UDP contact would take 408 after 5 s)
    assert result.code == 477
    assert [r.sip_code for r in kamailio_lab.db.wait_acc_rows("INVITE", since_id=since)] == [477]
    kamailio_lab.drop_registration("bob")
    alice.quit()


def test_the_app_version_shows_in_the_registration_and_in_acc(kamailio_lab, user_agent_factory):
    since = kamailio_lab.db.last_acc_id()
    carol = user_agent_factory(kamailio_lab, "carol", user_agent="PrivateGSM/2.9.0 (Android)")

    carol.register()

    [contact] = kamailio_lab.contacts("carol")
    assert contact["User-Agent"] == "PrivateGSM/2.9.0 (Android)"
    [row] = [r for r in kamailio_lab.db.wait_acc_rows("REGISTER", since_id=since) if r.src_user == "carol"]
    assert (row.user_agent, row.expires) == ("PrivateGSM/2.9.0 (Android)", 300)
    carol.quit()
    assert kamailio_lab.contacts("carol") == []
    assert kamailio_lab.db.acc_rows("REGISTER")[-1].expires == 0  # the un-REGISTER is accounted too


def test_calls_fail_although_everything_is_healthy_when_the_callee_app_rejects_them(
    kamailio_lab, user_agent_factory
):
    alice = user_agent_factory(kamailio_lab, "alice")
    bob = user_agent_factory(kamailio_lab, "bob")
    alice.register()
    bob.register()
    bob.answer_mode("reject", 488)
    since = kamailio_lab.db.last_acc_id()

    result = alice.call("+15550002")

    assert result.code == 488
    [row] = kamailio_lab.db.wait_acc_rows("INVITE", since_id=since)
    assert (row.sip_code, row.dst_user) == (488, "bob")
    alice.quit()
    bob.quit()


def test_a_number_assigned_twice_rings_only_the_first_account(lab_factory, user_agent_factory):
    lab = lab_factory()
    lab.duplicate_number("+15550002", "carol")
    alice = user_agent_factory(lab, "alice")
    bob = user_agent_factory(lab, "bob")
    carol = user_agent_factory(lab, "carol")
    for agent in (alice, bob, carol):
        agent.register()

    assert lab.db.aliases("+15550002") == ["bob", "carol"]
    assert alice.call("+15550002").answered
    assert [c["direction"] for c in carol.status()["calls"]] == []  # carol never rang


def test_each_agent_writes_a_timestamped_pjsip_log_with_the_sip_messages(kamailio_lab, user_agent_factory):
    alice = user_agent_factory(kamailio_lab, "alice")
    alice.register()
    alice.quit()

    text = alice.log_path.read_text()
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} .*TX \d+ bytes Request msg REGISTER", text, re.M)
    assert "RX" in text and "SIP/2.0 200 OK" in text
    assert "alice-pw" not in text
