"""Evidence-aware checks against the real lab: the app's own version token, a callee number
in conflict at level 1, a test call located, a remedy that follows from the finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.config import load_server_settings
from calltriage.domain.model import ProbeStatus
from calltriage.probes.runner import ProbeRunner
from tests.probes.conftest import now, settings_for
from tests.probes.helpers import call, register

pytestmark = pytest.mark.lab
OK, WARN, FAIL, ERROR = ProbeStatus.OK, ProbeStatus.WARN, ProbeStatus.FAIL, ProbeStatus.ERROR


@pytest.fixture
def runner():
    with ProbeRunner() as r:
        yield r


@pytest.mark.parametrize(
    ("ua", "status", "version"),
    [
        ("PrivateGSM/3.4.1", OK, "3.4.1"),
        ("PrivateGSM (Android; pjsip 2.14.1)", ERROR, None),  # the SIP stack's version is not the app's
        ("PJSUA v2.14.1 Linux", ERROR, None),
        ("Sipphone/9.9 PrivateGSM/2.9.4 (iOS)", FAIL, "2.9.4"),
    ],
)
def test_the_app_version_is_read_only_from_the_apps_product_token(
        kamailio_lab, lab_settings, make_ctx, runner, ua, status, version):
    register(kamailio_lab, "alice", "tls", user_agent=ua)
    try:
        r = runner.run("client.version", make_ctx(lab_settings), {"account": "caller"})
    finally:
        kamailio_lab.drop_registration("alice")
    assert r.status is status, r.summary
    assert r.evidence.get("version") == version
    if status is ERROR:
        assert r.summary.startswith("cannot tell the app version: no app product token")


def test_the_app_token_pattern_is_configurable(kamailio_lab, make_ctx, runner):
    settings = settings_for(kamailio_lab)
    assert settings.source is not None
    path = Path(settings.source)
    pattern = "app_version_pattern = 'AcmeSecure/(\\d+(?:\\.\\d+)+)'\n"
    text = path.read_text().replace("[server]\n", "[server]\n" + pattern, 1)
    custom = Path(path.parent / "acme.toml")
    custom.write_text(text)
    acme = load_server_settings(custom)
    register(kamailio_lab, "alice", "tls", user_agent="AcmeSecure/3.2 (PrivateGSM/1.0 engine)")
    try:
        r = runner.run("client.version", make_ctx(acme), {"account": "caller"})
    finally:
        kamailio_lab.drop_registration("alice")
    assert r.status is OK and r.evidence["version"] == "3.2"


def test_a_callee_number_assigned_twice_is_a_conflict_at_level_1_not_an_offline_party(
        lab_factory, make_ctx, runner):
    lab = lab_factory()
    lab.db.sql("DELETE FROM dbaliases WHERE alias_username = '+15550002'")
    lab.add_alias("+15550002", "carol")  # carol (offline) answers the lookup first
    lab.add_alias("+15550002", "bob")
    settings = settings_for(lab)
    r = runner.run("sip.callee_liveness", make_ctx(settings, callee="+15550002"), {"account": "callee"})
    assert r.status is WARN, r.summary
    assert r.evidence["number_routes"] == ["carol", "bob"]
    assert "assigned to 2 accounts (carol, bob)" in r.summary and "remote-party check" in r.summary
    # by name, bob is simply not registered
    named = runner.run("sip.callee_liveness", make_ctx(settings, callee="bob"), {"account": "callee"})
    assert named.status is FAIL


def test_a_test_call_refused_before_routing_is_located_on_the_callers_side(
        kamailio_lab, lab_settings, make_ctx, runner):
    since = now()
    refused = call(kamailio_lab, "alice", "bob", "tls", password="not-her-password")
    assert refused.code in (401, 403, 407)
    r = runner.run("calls.test_call", make_ctx(lab_settings, since=since, wait=2), {"account": "caller"})
    assert r.status is FAIL and r.evidence["located"] == "caller"
    assert "caller's side" in r.summary


def test_a_disabled_account_tells_an_administrator_to_re_enable_it(lab_factory, make_ctx, runner):
    lab = lab_factory()
    lab.set_disabled("alice")
    r = runner.run("directory.client_config", make_ctx(settings_for(lab)), {"account": "caller"})
    assert r.status is FAIL and "disabled" in r.summary
    assert r.evidence["remedy"].startswith("The account is disabled on the server: an administrator must re-enable")
    assert "settings" not in r.evidence["remedy"]
