"""Every probe's verdicts against the real lab, with the fault each one is meant to see."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from calltriage.domain.model import ProbeStatus
from calltriage.probes.runner import ProbeRunner
from calltriage_lab import RpcError
from tests.probes.conftest import now, settings_for
from tests.probes.helpers import call, call_answered, register

pytestmark = pytest.mark.lab
OK, WARN, FAIL, ERROR = ProbeStatus.OK, ProbeStatus.WARN, ProbeStatus.FAIL, ProbeStatus.ERROR
SILENT = ProbeStatus.SILENT


@pytest.fixture(scope="module")
def runner():
    with ProbeRunner() as r:
        yield r


def run(runner, name, ctx, **params):
    result = runner.run(name, ctx, params)
    json.dumps(result.to_dict())  # evidence is always JSON-serializable
    return result


# ---------- registrar.registration / client.version ----------


def test_a_registered_caller_is_connected_with_its_contact_details(kamailio_lab, lab_settings, make_ctx, runner):
    register(kamailio_lab, "alice", "tls", user_agent="PrivateGSM/3.1.0 (Android)")
    try:
        r = run(runner, "registrar.registration", make_ctx(lab_settings), account="caller")
    finally:
        kamailio_lab.drop_registration("alice")
    assert r.status is OK
    contact = r.evidence["contacts"][0]
    assert contact["transport"] == "tls" and contact["user_agent"] == "PrivateGSM/3.1.0 (Android)"
    assert contact["source"] and contact["last_modified"]


def test_a_never_registered_account_is_disconnected(lab_settings, make_ctx, runner):
    r = run(runner, "registrar.registration", make_ctx(lab_settings, caller="carol"), account="caller")
    assert r.status is FAIL
    assert r.evidence["state"] == "not-found"


def _usrloc_state(lab, user):
    try:
        lab.rpc("ul.lookup", "location", user)
    except RpcError as exc:
        return "expired" if "no contacts" in exc.message else "purged"
    return "live"


def test_a_recently_expired_registration_is_told_apart(kamailio_lab, lab_settings, make_ctx, runner):
    # Expired but not yet purged by usrloc's own timer: wait for that state (never race the timer),
    # and try again if the timer purged the contact before the probe looked.
    deadline = time.monotonic() + 120
    while True:
        register(kamailio_lab, "carol", "udp", expires=1)
        while _usrloc_state(kamailio_lab, "carol") == "live" and time.monotonic() < deadline:
            time.sleep(0.05)
        r = run(runner, "registrar.registration", make_ctx(lab_settings, caller="carol"), account="caller")
        if r.evidence["state"] != "not-found" or time.monotonic() > deadline:
            break
    assert r.status is FAIL and r.evidence["state"] == "no-contacts"
    assert "expired recently" in r.summary


def test_a_caller_given_by_virtual_number_is_resolved(kamailio_lab, lab_settings, make_ctx, runner):
    register(kamailio_lab, "alice", "udp")
    try:
        r = run(runner, "registrar.registration", make_ctx(lab_settings, caller="+15550001"), account="caller")
    finally:
        kamailio_lab.drop_registration("alice")
    assert r.status is OK and r.evidence["account"] == "alice"


@pytest.mark.parametrize(
    ("ua", "status"),
    [
        ("PrivateGSM/3.1.0 (Android)", OK),
        ("PrivateGSM/2.9.4 (iOS)", FAIL),
    ],
)
def test_client_version_is_checked_against_the_minimum(
    kamailio_lab, lab_settings, make_ctx, runner, ua, status
):
    register(kamailio_lab, "alice", "tls", user_agent=ua)
    try:
        r = run(runner, "client.version", make_ctx(lab_settings), account="caller")
    finally:
        kamailio_lab.drop_registration("alice")
    assert r.status == status
    assert r.evidence["minimum"] == "3.0.0"


def test_client_version_cannot_tell_for_an_unregistered_account(lab_settings, make_ctx, runner):
    r = run(runner, "client.version", make_ctx(lab_settings, caller="carol"), account="caller")
    assert r.status is ERROR


def test_client_version_of_a_real_pjsua2_app(kamailio_lab, lab_settings, make_ctx, runner, user_agent_factory):
    alice = user_agent_factory(kamailio_lab, "alice", user_agent="PrivateGSM/2.1.0 (Android)")
    assert alice.register().ok
    try:
        r = run(runner, "client.version", make_ctx(lab_settings), account="caller")
    finally:
        alice.unregister()
    assert r.status is FAIL and r.evidence["version"] == "2.1.0"


# ---------- registrar.reconnection (watch) ----------


def test_a_fresh_register_after_the_request_is_seen(kamailio_lab, lab_settings, make_ctx, runner):
    # a generous window: the watch ends as soon as it sees the REGISTER, however late the app acts
    ctx = make_ctx(lab_settings, since=now(), wait=60)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(run, runner, "registrar.reconnection", ctx, account="caller")
        register(kamailio_lab, "alice", "tls")
        r = future.result()
    kamailio_lab.drop_registration("alice")
    assert r.status is OK
    assert r.evidence["event"]["transport"] == "tls"


def test_a_refused_register_still_proves_the_app_reconnected_and_names_why(
        kamailio_lab, lab_settings, make_ctx, runner):
    # the connection works (the REGISTER reached the server); the credentials do not, which the
    # procedure's next steps (test call, client configuration) turn into "client misconfiguration"
    ctx = make_ctx(lab_settings, since=now(), wait=1.5)
    register(kamailio_lab, "alice", "tls", password="not-the-password")
    r = run(runner, "registrar.reconnection", ctx, account="caller")
    assert r.status is OK
    assert "refused with 401" in r.summary
    assert r.evidence["register_failures"][0]["cause"] == "bad-password"


def test_silence_within_the_wait_is_no_evidence_yet(lab_settings, make_ctx, runner):
    r = run(
        runner, "registrar.reconnection", make_ctx(lab_settings, caller="carol", since=now(), wait=1), account="caller"
    )
    assert r.status is SILENT
    assert r.summary == "no evidence yet: no REGISTER from carol reached the server within 1 s"
    assert r.evidence["watched"].startswith("REGISTER and connection events of carol (registrar")


# ---------- calls.test_call / calls.to_callee (watch over acc) ----------


def test_an_answered_test_call_succeeds(kamailio_lab, lab_settings, make_ctx, runner):
    since = now()
    c = call_answered(kamailio_lab, "alice", "svc-b", "+15559002")
    assert c.answered
    r = run(runner, "calls.test_call", make_ctx(lab_settings, since=since, wait=2), account="caller")
    assert r.status is OK
    assert r.evidence["attempts"][0]["code"] == 200


def test_a_test_call_that_fails_at_the_callee_shows_the_apps_side_worked(
        kamailio_lab, lab_settings, make_ctx, runner):
    since = now()
    c = call(kamailio_lab, "alice", "carol", "udp")
    assert c.code == 480
    r = run(runner, "calls.test_call", make_ctx(lab_settings, since=since, wait=2), account="caller")
    assert r.status is WARN and r.evidence["located"] == "callee"
    assert "480" in r.summary and "not registered" in r.summary and "app side worked" in r.summary


def test_no_call_attempt_within_the_wait_is_no_evidence_yet(lab_settings, make_ctx, runner):
    r = run(runner, "calls.test_call", make_ctx(lab_settings, caller="carol", since=now(), wait=1), account="caller")
    assert r.status is SILENT and r.summary.startswith("no evidence yet: no call attempt")


def test_calls_to_the_callee_count_its_numbers_and_ignore_other_calls(kamailio_lab, lab_settings, make_ctx, runner):
    since = now()
    assert call_answered(kamailio_lab, "alice", "bob", "+15550002").answered  # bob's number
    ctx = make_ctx(lab_settings, since=since, wait=1)
    r = run(runner, "calls.to_callee", ctx, account="caller", target="callee")
    assert r.status is OK
    other = run(
        runner,
        "calls.to_callee",
        make_ctx(lab_settings, callee="carol", since=since, wait=1),
        account="caller",
        target="callee",
    )
    assert other.status is SILENT


def test_a_call_to_the_unregistered_callee_is_no(kamailio_lab, lab_settings, make_ctx, runner):
    since = now()
    call(kamailio_lab, "alice", "bob", "tcp")
    r = run(runner, "calls.to_callee", make_ctx(lab_settings, since=since, wait=1), account="caller", target="callee")
    assert r.status is FAIL and "480" in r.summary


# ---------- directory.client_config ----------


def test_wrong_password_in_the_app_is_a_wrong_config(lab_factory, make_ctx, runner):
    lab = lab_factory()
    register(lab, "alice", "tls", password="typo")
    r = run(runner, "directory.client_config", make_ctx(settings_for(lab), since=None), account="caller")
    assert r.status is FAIL
    assert "wrong password" in r.summary
    assert "obfuscation_key" in r.evidence and r.evidence["directory"]["app"]["transport"] == "tls"
    assert "obfuscation" not in json.dumps(r.evidence["directory"])  # never the key itself


def test_the_wrong_transport_is_a_wrong_config(lab_factory, make_ctx, runner):
    lab = lab_factory()
    assert register(lab, "alice", "udp").ok  # provisioned for TLS
    r = run(runner, "directory.client_config", make_ctx(settings_for(lab)), account="caller")
    assert r.status is FAIL and "registered over UDP but the app must use TLS" in r.summary


def test_a_disabled_account_and_an_unknown_user_are_wrong_configs(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab)
    register(lab, "dave", "tls")
    disabled = run(runner, "directory.client_config", make_ctx(s, caller="dave"), account="caller")
    unknown = run(runner, "directory.client_config", make_ctx(s, caller="mallory"), account="caller")
    assert disabled.status is FAIL and "disabled" in disabled.summary
    assert unknown.status is FAIL and "unknown user" in unknown.summary


def test_right_settings_are_correct(lab_factory, make_ctx, runner):
    lab = lab_factory()
    assert register(lab, "alice", "tls").ok
    r = run(runner, "directory.client_config", make_ctx(settings_for(lab)), account="caller")
    assert r.status is OK


# ---------- sip.callee_liveness ----------


def test_a_registered_device_that_answers_is_live(kamailio_lab, lab_settings, make_ctx, runner, user_agent_factory):
    bob = user_agent_factory(kamailio_lab, "bob")
    assert bob.register().ok
    try:
        r = run(runner, "sip.callee_liveness", make_ctx(lab_settings), account="callee")
    finally:
        bob.unregister()
    assert r.status is OK
    assert r.evidence["options"]["code"] == 200


def test_a_stale_registration_is_not_connected(kamailio_lab, lab_settings, make_ctx, runner, user_agent_factory):
    bob = user_agent_factory(kamailio_lab, "bob")
    assert bob.register().ok
    bob.vanish()  # app killed: no un-REGISTER, the TLS connection is gone
    try:
        r = run(runner, "sip.callee_liveness", make_ctx(lab_settings), account="callee")
    finally:
        kamailio_lab.drop_registration("bob")
    assert r.status is FAIL
    assert "registered but the device does not answer" in r.summary


def test_an_unregistered_callee_is_not_connected(lab_settings, make_ctx, runner):
    r = run(runner, "sip.callee_liveness", make_ctx(lab_settings, callee="carol"), account="callee")
    assert r.status is FAIL and "not registered" in r.summary


# ---------- directory.remote_party ----------


def test_a_virtual_number_assigned_twice_is_a_conflict(lab_factory, make_ctx, runner):
    lab = lab_factory()
    lab.duplicate_number("+15550002", "carol")
    r = run(runner, "directory.remote_party", make_ctx(settings_for(lab)), account="callee")
    assert r.status is FAIL
    assert r.evidence["duplicates"] == [{"number": "+15550002", "accounts": ["bob", "carol"], "routes_to": "bob"}]


def test_a_callee_number_reaching_another_account_is_a_conflict(lab_factory, make_ctx, runner):
    lab = lab_factory()
    lab.duplicate_number("+15550003", "bob")  # carol's number, bob's row comes second
    r = run(runner, "directory.remote_party", make_ctx(settings_for(lab), callee="bob"), account="callee")
    assert r.status is FAIL and "calls reach carol only" in r.summary


def test_two_live_devices_and_a_disabled_account_are_conflicts(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab)
    assert register(lab, "bob", "tls").ok
    assert register(lab, "bob", "udp").ok
    two = run(runner, "directory.remote_party", make_ctx(s), account="callee")
    assert two.status is FAIL and "2 live registrations" in two.summary
    disabled = run(runner, "directory.remote_party", make_ctx(s, callee="dave"), account="callee")
    assert disabled.status is FAIL and "disabled" in disabled.summary


def test_a_clean_callee_has_no_conflict(lab_settings, make_ctx, runner):
    r = run(runner, "directory.remote_party", make_ctx(lab_settings, callee="carol"), account="callee")
    assert r.status is OK


# ---------- network.server ----------


def test_the_network_of_a_healthy_server_is_ok(lab_settings, make_ctx, runner):
    r = run(runner, "network.server", make_ctx(lab_settings))
    assert r.status is OK
    assert r.evidence["tls"]["certificate"]["names"] == ["localhost", "127.0.0.1"]


@pytest.mark.parametrize(
    ("certificate", "failure", "words"),
    [
        ("expired", "tls-expired", "has expired"),
        ("wronghost", "tls-hostname", "host-name mismatch"),
    ],
)
def test_bad_certificates_are_network_faults(lab_factory, make_ctx, runner, certificate, failure, words):
    lab = lab_factory(cast=False, certificate=certificate)
    r = run(runner, "network.server", make_ctx(settings_for(lab)))
    assert r.status is FAIL
    assert r.evidence["tls"]["failure"] == failure and words in r.summary
    assert r.evidence["tls"]["certificate"]["not_after"]  # fetched unverified, for the evidence


def test_a_stopped_server_is_a_network_fault(lab_factory, make_ctx, runner):
    lab = lab_factory(cast=False)
    s = settings_for(lab)
    lab.stop()
    r = run(runner, "network.server", make_ctx(s))
    assert r.status is FAIL and r.evidence["tls"]["failure"] == "refused"


def test_a_frozen_server_is_a_fault_before_the_deadline(lab_factory, make_ctx, runner):
    lab = lab_factory(cast=False)
    s = settings_for(lab, timeout=1.5)
    lab.freeze()
    try:
        r = run(runner, "network.server", make_ctx(s))
    finally:
        lab.thaw()
    assert r.status is FAIL and r.evidence["tls"]["failure"] == "timeout"


# ---------- services.server ----------


def test_healthy_services_include_a_real_test_call(lab_settings, make_ctx, runner):
    r = run(runner, "services.server", make_ctx(lab_settings))
    assert r.status is OK
    assert r.evidence["test_call"]["answered"] and r.evidence["test_call"]["bye_code"] == 200
    assert r.evidence["control"]["status"] == "ok" and r.evidence["accounts_db"]["status"] == "ok"
    assert r.evidence["console"]["status"] == "skipped"


def test_a_broken_accounts_db_is_a_server_fault(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab)
    lab.break_database()
    try:
        r = run(runner, "services.server", make_ctx(s))
    finally:
        lab.restore_database()
    assert r.status is FAIL
    assert r.evidence["test_call"]["status"] == "fail"


def test_a_stopped_server_fails_every_service(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab)
    lab.stop()
    r = run(runner, "services.server", make_ctx(s))
    assert r.status is FAIL
    assert {k for k, v in r.evidence.items() if v["status"] == "fail"} >= {"sip_options", "test_call"}
    # the control interface cannot be reached from here: "could not check", not a second fault
    assert r.evidence["control"]["status"] == "unknown" and "could not check control" in r.summary


def test_services_check_ssh_banner_and_metrics_when_configured(lab_factory, make_ctx, runner, tmp_path):
    import http.server
    import socketserver

    lab = lab_factory()

    class Metrics(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"cpu": 12.5, "memory": 97.0, "disk": 40}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Ssh(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n")

    with (
        http.server.ThreadingHTTPServer(("127.0.0.1", 0), Metrics) as web,
        socketserver.TCPServer(("127.0.0.1", 0), Ssh) as ssh,
    ):
        for srv in (web, ssh):
            threading.Thread(target=srv.serve_forever, daemon=True).start()
        s = settings_for(lab)
        s.server.metrics_url = f"http://127.0.0.1:{web.server_address[1]}/metrics"
        s.server.ssh_host, s.server.ssh_port = "127.0.0.1", ssh.server_address[1]
        r = run(runner, "services.server", make_ctx(s))
        web.shutdown()
        ssh.shutdown()
    assert r.evidence["ssh"]["status"] == "ok"
    assert r.evidence["metrics"]["status"] == "fail" and "memory 97%" in r.summary


def test_a_frozen_server_gives_verdicts_not_hangs(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab, timeout=1.0)
    lab.freeze()
    try:
        services = run(runner, "services.server", make_ctx(s))
        registration = run(runner, "registrar.registration", make_ctx(s), account="caller")
    finally:
        lab.thaw()
    assert services.status is FAIL  # the SIP parts (OPTIONS) fail: a finding about the server
    # the control interface could not be read: listed, never a fault on its own
    control = services.evidence["control"]
    assert control["status"] == "unknown" and "did not answer" in control["detail"]
    # The registrar cannot be asked: the node falls back to a question for the operator.
    assert registration.status is ERROR
    assert "could not tell" in registration.summary


def test_a_frozen_registrar_leaves_the_config_check_to_the_operator_naming_why(lab_factory, make_ctx, runner):
    lab = lab_factory()
    s = settings_for(lab, timeout=4.0)  # the registrar is asked once (half the deadline), not twice
    lab.freeze()
    try:
        r = run(runner, "directory.client_config", make_ctx(s), account="caller")
    finally:
        lab.thaw()
    assert r.status is ERROR
    assert "did not finish within" not in r.summary  # not the runner's deadline: the probe's own answer
    assert "could not tell" in r.summary and "control interface" in r.summary and "no REGISTER of alice" in r.summary


def test_the_runner_reuses_one_tls_connection_per_service_account(lab_factory, make_ctx):
    lab = lab_factory()
    s = settings_for(lab)
    with ProbeRunner() as fresh:
        for _ in range(3):
            assert fresh.run("services.server", make_ctx(s)).status is OK
            assert fresh.run("sip.callee_liveness", make_ctx(s, callee="svc-b")).status in (OK, FAIL)
        open_now = lab.rpc("tls.info")["opened_connections"]
    assert open_now == 2  # svc-a's and svc-b's connections, kept for the next probe


def test_an_app_failing_to_register_is_connecting_not_just_disconnected(lab_factory, make_ctx, runner):
    lab = lab_factory()
    register(lab, "alice", "tls", password="typo")
    r = run(runner, "registrar.registration", make_ctx(settings_for(lab)), account="caller")
    assert r.status is WARN  # the playbook maps warn to "connecting"
    assert "401" in r.summary and r.evidence["register_failures"][0]["cause"] == "bad-password"


def test_a_number_routing_to_another_account_than_provisioned_is_a_conflict(lab_factory, make_ctx, runner):
    lab = lab_factory()
    lab.db.remove_alias("+15550003")  # carol's number ...
    lab.add_alias("+15550003", "bob")  # ... now routes to bob
    r = run(runner, "directory.remote_party", make_ctx(settings_for(lab), callee="+15550003"), account="callee")
    assert r.status is FAIL
    assert "+15550003 is provisioned for carol but routes to bob" in r.summary
