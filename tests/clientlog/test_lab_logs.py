"""Real PJSIP logs written by app users (pjsua2, log level 5) against a real Kamailio lab, under
the faults the playbook meets; the analysis must rank the fault's cause first, and the stored
log must not contain the passwords the apps used.

The apps are ``tests/clientlog/pjsip_agent.py`` processes: they end with ``libDestroy()``, which
closes PJSIP's log file (PJLIB writes it through stdio, so a process that leaves with
``os._exit`` loses the last buffered lines of its log).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from calltriage.clientlog import analyze, prepare_upload
from tests.clientlog.helpers import digest_responses, leaked
from tests.clientlog.pjsip_agent import run_agent
from tests.lab_fixtures import LAB_CAST, require_pjsua2

pytestmark = pytest.mark.lab


def app(lab: Any, log: Path, user: str, *, password: str | None = None, transport: str = "tls",
        **scenario: Any) -> Path:
    """Run one app scenario against ``lab``; return its PJSIP log."""
    require_pjsua2()
    config = {
        "log": str(log), "host": "127.0.0.1", "transport": transport, "user": user,
        "password": password or LAB_CAST[user][0], "domain": lab.domain, "ca_file": str(lab.ca_file),
        "verify_server": True, "port": lab.tls_port if transport == "tls" else lab.sip_port, **scenario,
    }
    done = run_agent(config, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return log


def top_cause(log: Path, *passwords: str) -> str:
    data = log.read_bytes()
    assert b" bytes Request msg " in data, "the app wrote no SIP message to its log"
    prepared = prepare_upload(log.name, data, max_bytes=20_000_000)
    secrets = digest_responses(data.decode("utf-8", "replace")) | set(passwords)
    assert leaked(prepared.text, secrets) == []
    result = analyze(prepared.text)
    assert result.format == "pjsip"
    assert result.top is not None and result.top.evidence, result.to_dict()
    return result.top.signature.id


def test_a_wrong_password_in_the_app_is_a_credentials_loop(kamailio_lab, tmp_path) -> None:
    log = app(kamailio_lab, tmp_path / "carol.log", "carol", password="not-carols-pw", reregister=2)
    assert top_cause(log, "not-carols-pw", "carol-pw") == "wrong-credentials"


def test_an_expired_server_certificate_is_a_certificate_problem(lab_factory, tmp_path) -> None:
    lab = lab_factory(certificate="expired")
    log = app(lab, tmp_path / "alice.log", "alice")
    assert top_cause(log, "alice-pw") == "tls-certificate"


def test_a_call_to_an_unregistered_user_is_callee_offline(kamailio_lab, tmp_path) -> None:
    log = app(kamailio_lab, tmp_path / "alice.log", "alice", call="sip:+15550003@lab.test", date=True)
    assert top_cause(log, "alice-pw") == "callee-offline"


def test_a_disabled_account_is_forbidden(kamailio_lab, tmp_path) -> None:
    log = app(kamailio_lab, tmp_path / "dave.log", "dave")  # provisioned disabled in LAB_CAST
    assert top_cause(log, "dave-pw") == "account-forbidden"


def test_a_call_to_a_vanished_device_is_callee_unreachable(kamailio_lab, tmp_path) -> None:
    # bob's app is killed without un-REGISTER: the server keeps routing to a dead UDP contact.
    app(kamailio_lab, tmp_path / "bob.log", "bob", transport="udp", vanish=True)
    try:
        log = app(kamailio_lab, tmp_path / "alice.log", "alice", call="sip:+15550002@lab.test", call_wait=12)
        assert top_cause(log, "alice-pw", "bob-pw") == "callee-unreachable"
    finally:
        kamailio_lab.drop_registration("bob")
