"""Server-side faults of the lab: each one leaves its own signature."""

from __future__ import annotations

import pytest

from calltriage_lab import RpcError
from calltriage_lab.relay import FlakyLink

pytestmark = pytest.mark.lab


def test_an_expired_certificate_fails_verification_in_python_and_in_the_app(lab_factory, user_agent_factory):
    lab = lab_factory()
    lab.swap_certificate("expired")

    check = lab.tls_check()
    reg = user_agent_factory(lab, "alice").register()

    assert (check["ok"], check["verify_code"]) == (False, 10)  # X509_V_ERR_CERT_HAS_EXPIRED
    assert reg.code == 503 and "ECERTVERIF" in reg.reason


def test_a_wrong_host_certificate_fails_hostname_verification(lab_factory):
    lab = lab_factory()
    lab.swap_certificate("wronghost", restart=False)

    check = lab.tls_check()

    assert (check["ok"], check["verify_code"]) == (False, 62)  # X509_V_ERR_HOSTNAME_MISMATCH
    lab.swap_certificate("good", restart=False)
    assert lab.tls_check()["ok"]


def test_a_frozen_server_answers_nothing_until_it_is_thawed(lab_factory):
    lab = lab_factory(cast=False)
    lab.freeze()
    try:
        with pytest.raises(TimeoutError):
            lab.rpc("core.uptime", timeout=0.5)
    finally:
        lab.thaw()
    assert lab.rpc("core.uptime")["uptime"] >= 0


def test_a_stopped_server_refuses_connections_and_starts_again_on_the_same_ports(
    lab_factory, user_agent_factory
):
    lab = lab_factory()
    ports = lab.ports
    lab.stop()

    with pytest.raises(ConnectionRefusedError):
        lab.rpc("core.uptime")
    reg = user_agent_factory(lab, "alice").register()
    assert reg.code == 503  # TLS connect refused

    lab.start()
    assert lab.ports == ports
    assert lab.rpc("core.uptime")["uptime"] >= 0


def test_a_broken_accounts_database_looks_like_a_wrong_password_but_acc_says_db_error(
    lab_factory, user_agent_factory
):
    lab = lab_factory()
    lab.break_database()

    reg = user_agent_factory(lab, "alice").register()

    assert reg.code == 401
    assert lab.db.acc_rows("REGISTER")[-1].auth_result == "db-error"
    assert any("failed to query database" in line for line in lab.log_lines("ERROR"))
    lab.restore_database()
    assert user_agent_factory(lab, "alice").register().code == 200


def test_a_transient_network_fault_heals(kamailio_lab, user_agent_factory):
    bob = user_agent_factory(kamailio_lab, "bob")
    bob.register()
    with FlakyLink(kamailio_lab.tls_port, "tls") as link:
        alice = user_agent_factory(kamailio_lab, "alice", port=link.port)
        assert alice.register().code == 200

        link.cut()
        failed = alice.call("+15550002", timeout=5)
        link.heal()
        alice.register()  # the app reconnects
        healed = alice.call("+15550002")

    assert failed.code == 503 and not failed.answered
    assert healed.answered
    alice.vanish()
    bob.quit()
    kamailio_lab.drop_registration("alice")


def test_rpc_errors_come_back_as_rpc_error(kamailio_lab):
    with pytest.raises(RpcError, match="AOR not found"):
        kamailio_lab.rpc("ul.lookup", "location", "carol")
