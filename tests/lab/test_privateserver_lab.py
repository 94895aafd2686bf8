"""The PrivateServer lab: Kamailio writes into its own MariaDB database, the appliance's views
show what happened, a read-only user sees the views only, NRPE and the console look at the real
engine, `lab up/status/fault/down --backend privateserver` from the shell."""

from __future__ import annotations

import json
import stat
import subprocess
import time
from typing import Any

import pymysql
import pytest
from typer.testing import CliRunner

from calltriage.config import load_server_settings
from calltriage_lab.cli import app
from tests.lab_fixtures import require_pjsua2, require_privateserver
from tests.probes.helpers import call, call_answered, register

pytestmark = pytest.mark.lab
CHECK_NRPE = "/usr/lib/nagios/plugins/check_nrpe"


def reader(lab: Any) -> Any:
    return pymysql.connect(host="127.0.0.1", port=3306, user=lab.db.reader, password=lab.db.password(lab.db.reader),
                           database=lab.db.name, autocommit=True, cursorclass=pymysql.cursors.DictCursor)


def view_rows(lab: Any, sql: str, args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    con = reader(lab)
    try:
        with con.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())
    finally:
        con.close()


def wait_rows(lab: Any, sql: str, args: tuple[Any, ...], count: int, deadline: float = 10.0) -> list[dict[str, Any]]:
    """Some rows are written just after the SIP answer (tm after relaying, the session queue)."""
    end = time.monotonic() + deadline
    rows = view_rows(lab, sql, args)
    while len(rows) < count and time.monotonic() < end:
        time.sleep(0.05)
        rows = view_rows(lab, sql, args)
    return rows


def nrpe(lab: Any, command: str) -> tuple[int, str]:
    r = subprocess.run([CHECK_NRPE, "-H", "127.0.0.1", "-p", str(lab.nrpe_port), "-c", command, "-t", "15"],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout


def test_the_read_only_user_reads_the_views_and_nothing_else(ps_lab: Any) -> None:
    accounts = view_rows(ps_lab, "SELECT username, number, disabled FROM V_SIP_ACCOUNT ORDER BY route_order")
    assert {"username": "dave", "number": "+15550004", "disabled": 1} in accounts
    for table in ("subscriber", "acc", "ps_sip_session"):
        with pytest.raises(pymysql.err.OperationalError, match="command denied"):
            view_rows(ps_lab, f"SELECT * FROM {table}")
    with pytest.raises(pymysql.err.OperationalError, match="command denied"):
        view_rows(ps_lab, "DELETE FROM V_SIP_SESSION")


def test_a_tls_registration_leaves_connect_register_and_disconnect_in_the_sip_sessions_view(ps_lab: Any) -> None:
    require_pjsua2()
    assert register(ps_lab, "alice", "tls", user_agent="PrivateGSM/3.4.0 (Android)").code == 200
    rows = wait_rows(ps_lab, "SELECT event_type, username, useragent, remoteaddr, tlscipher, details FROM V_SIP_SESSION"
                     " WHERE username = %s ORDER BY id", ("alice",), 3)
    kinds = [r["event_type"] for r in rows]
    assert kinds[:3] == ["CONNECT", "REGISTER", "DISCONNECT"], rows
    connect, registered, gone = rows[:3]
    assert registered["useragent"] == "PrivateGSM/3.4.0 (Android)" and registered["tlscipher"]
    assert registered["details"] == "expires=60"
    # CONNECT was reconciled to the account once it registered on that connection
    assert connect["remoteaddr"] == registered["remoteaddr"] == gone["remoteaddr"]


def test_calls_leave_cdr_rows_with_their_disposition_and_hangup_code(ps_lab: Any) -> None:
    require_pjsua2()
    assert call_answered(ps_lab, "alice", "bob", "+15550002").code == 200
    assert call(ps_lab, "alice", "+15550003").code == 480  # carol is not registered
    assert call(ps_lab, "alice", "+15559999").code == 404
    rows = wait_rows(ps_lab, "SELECT src, dst, dstchannel, disposition, hangupcause FROM V_CDR WHERE src = %s"
                     " ORDER BY calldate", ("+15550001",), 3)
    assert [(r["dst"], r["dstchannel"], r["disposition"], r["hangupcause"]) for r in rows[-3:]] == [
        ("+15550002", "SIP/bob", "ANSWERED", 200),
        ("+15550003", "SIP/carol", "FAILED", 480),
        ("+15559999", None, "FAILED", 404),
    ]


def test_wrong_passwords_and_disabled_accounts_are_auth_events(ps_lab: Any) -> None:
    require_pjsua2()
    assert register(ps_lab, "bob", "tls", password="not-his").code == 401
    assert register(ps_lab, "dave", "tls").code == 403
    rows = wait_rows(ps_lab, "SELECT event_type, principal, details FROM V_AUTH_EVENT WHERE principal IN (%s, %s)"
                     " ORDER BY id", ("bob", "dave"), 2)
    assert [(r["principal"], r["event_type"], r["details"]) for r in rows] == [
        ("bob", "SIP_BAD_CREDENTIALS", "REGISTER 401 Unauthorized"),
        ("dave", "SIP_ACCOUNT_DISABLED", "REGISTER 403 Account disabled"),
    ]


def test_configuration_changes_are_audit_events(ps_lab: Any) -> None:
    ps_lab.set_disabled("carol")
    ps_lab.set_password("carol", "carol-pw")
    ps_lab.set_disabled("carol", False)
    rows = view_rows(ps_lab, "SELECT event_type, actor, class_name, details FROM V_AUDIT_EVENT WHERE details LIKE %s"
                     " ORDER BY id", ("carol:%",))
    assert [r["details"] for r in rows] == [
        "carol: account created (number +15550003)", "carol: account disabled", "carol: password changed",
        "carol: account enabled"]
    assert {(r["actor"], r["class_name"]) for r in rows} == {("lab-admin", "SipAccount")}


def test_nrpe_checks_look_at_the_real_engine_and_database(ps_lab: Any) -> None:
    for command in ("check_voip_engine", "check_sip", "check_sip_tls", "check_jsonrpc", "check_database",
                    "check_console"):
        code, out = nrpe(ps_lab, command)
        assert code == 0, (command, out)
    ps_lab.freeze()
    try:
        assert nrpe(ps_lab, "check_sip")[0] == 2
        assert nrpe(ps_lab, "check_jsonrpc")[0] == 2
    finally:
        ps_lab.thaw()
    ps_lab.break_database()
    try:
        code, out = nrpe(ps_lab, "check_database")
        assert code == 2 and "subscriber" in out
    finally:
        ps_lab.restore_database()
    assert nrpe(ps_lab, "check_database")[0] == 0


def test_nrpe_listens_on_loopback_only_and_is_the_labs_own_process(ps_lab: Any) -> None:
    out = subprocess.run(["ss", "-Hltn", f"sport = :{ps_lab.nrpe_port}"], capture_output=True, text=True).stdout
    local = [line.split()[3] for line in out.splitlines() if line.strip()]
    assert local == [f"127.0.0.1:{ps_lab.nrpe_port}"]
    args = open(f"/proc/{ps_lab.nrpe.pid}/cmdline", "rb").read().split(b"\0")  # noqa: SIM115
    assert str(ps_lab.dir / "nrpe.cfg").encode() in args and b"-f" in args


def test_the_console_health_page_answers_over_tls_with_the_labs_certificate(ps_lab: Any) -> None:
    import ssl

    import httpx

    with httpx.Client(verify=ssl.create_default_context(cafile=str(ps_lab.ca_file))) as client:
        health = client.get(ps_lab.console_url)
        assert health.status_code == 200
        body = health.json()
        assert body["status"] == "ok" and body["checks"]["voip_engine"]["version"].startswith("kamailio")
        ps_lab.stop()
        try:
            down = client.get(ps_lab.console_url)
        finally:
            ps_lab.start()
    assert down.status_code == 503 and down.json()["checks"]["voip_engine"]["status"] == "fail"


def test_lab_up_down_with_the_privateserver_backend(tmp_path: Any) -> None:
    require_privateserver()
    runner = CliRunner()
    folder = tmp_path / "ps"
    up = runner.invoke(app, ["up", "--backend", "privateserver", "--dir", str(folder), "--json"])
    try:
        assert up.exit_code == 0, up.output
        info = json.loads(up.output)
        assert info["backend"] == "privateserver"
        settings = load_server_settings(folder / "calltriage-lab.toml")
        assert settings.server.backend == "privateserver" and settings.server.accounts_db_url
        assert settings.server.privateserver.nrpe_commands and settings.server.console_url
        lab_json = json.loads((folder / "lab.json").read_text())
        database = lab_json["privateserver"]["database"]
        config = (folder / "calltriage-lab.toml").read_text()
        for secret in (folder / "secrets").iterdir():
            assert stat.S_IMODE(secret.stat().st_mode) == 0o600
            assert secret.read_text().strip() not in up.output + config + json.dumps(lab_json)
        status = runner.invoke(app, ["status", "--dir", str(folder), "--json"])
        assert json.loads(status.output)["nrpe_running"] is True
        for fault in (["disable", "carol"], ["enable", "carol"], ["duplicate", "+15550002", "carol"],
                      ["unregister", "bob"], ["freeze"], ["thaw"], ["db-break"], ["db-restore"],
                      ["cert", "expired"], ["cert", "good"]):
            done = runner.invoke(app, ["fault", *fault, "--dir", str(folder)])
            assert done.exit_code == 0, (fault, done.output)
        status = runner.invoke(app, ["status", "--dir", str(folder), "--json"])
        assert json.loads(status.output)["answering"] is True
    finally:
        down = runner.invoke(app, ["down", "--dir", str(folder)])
    assert down.exit_code == 0 and "database dropped" in down.output
    con = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="")
    try:
        with con.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (database,))
            assert cur.fetchone() == (0,)
            cur.execute("SELECT COUNT(*) FROM mysql.user WHERE user LIKE %s", (f"{database}%",))
            assert cur.fetchone() == (0,)
    finally:
        con.close()


def test_lab_up_without_backend_restarts_the_folders_own_lab_and_a_mismatch_is_refused(tmp_path: Any) -> None:
    require_privateserver()
    runner = CliRunner()
    folder = tmp_path / "ps"
    assert runner.invoke(app, ["up", "--backend", "privateserver", "--dir", str(folder)]).exit_code == 0
    assert runner.invoke(app, ["down", "--dir", str(folder)]).exit_code == 0
    try:
        again = runner.invoke(app, ["up", "--dir", str(folder), "--json"])  # as docs/lab.md: up after down
        assert again.exit_code == 0, again.output
        assert json.loads(again.output)["backend"] == "privateserver"
        assert load_server_settings(folder / "calltriage-lab.toml").server.backend == "privateserver"
        wrong = runner.invoke(app, ["up", "--backend", "kamailio", "--dir", str(folder)])
        assert wrong.exit_code != 0 and "holds a privateserver lab" in str(wrong.output) + str(wrong.exception)
    finally:
        assert runner.invoke(app, ["down", "--dir", str(folder)]).exit_code == 0


@pytest.mark.parametrize("daemon", ["console", "nrpe"])
def test_a_daemon_port_taken_by_another_process_before_the_start_is_replaced(tmp_path: Any, daemon: str) -> None:
    """Free ports are racy (parallel tests, other labs): a daemon whose port was taken gets another."""
    import socket

    require_privateserver()
    from calltriage_lab.privateserver import PrivateServerLab

    lab = PrivateServerLab(tmp_path / "ps")
    taken = getattr(lab.ps_ports, daemon)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen(1)
        try:
            lab.start()
            assert getattr(lab.ps_ports, daemon) != taken
            assert lab.nrpe.running() and lab.console.running()
        finally:
            lab.cleanup()
