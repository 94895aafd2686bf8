"""`calltriage lab up/status/fault/down` from the shell's point of view."""

from __future__ import annotations

import json
import stat

import pytest
from typer.testing import CliRunner

from calltriage_lab.cli import app
from tests.lab_fixtures import require_kamailio

pytestmark = pytest.mark.lab


def test_lab_up_writes_a_ready_config_and_prints_no_passwords(tmp_path):
    require_kamailio()
    runner = CliRunner()
    folder = tmp_path / "lab"
    try:
        up = runner.invoke(app, ["up", "--dir", str(folder), "--json"])
        assert up.exit_code == 0, up.output
        info = json.loads(up.output)
        assert [a["username"] for a in info["accounts"]] == ["alice", "bob", "carol", "svc-a", "svc-b"]
        assert set(info["ports"]) == {"sip", "tls", "http"}
        config = (folder / "calltriage-lab.toml").read_text()
        assert f"tls_port = {info['ports']['tls']}" in config
        for user in ("alice", "svc-a"):
            secret = folder / "secrets" / user
            assert stat.S_IMODE(secret.stat().st_mode) == 0o600
            assert secret.read_text().strip() not in up.output + config

        status = runner.invoke(app, ["status", "--dir", str(folder), "--json"])
        assert json.loads(status.output)["answering"] is True

        fault = runner.invoke(app, ["fault", "disable", "carol", "--dir", str(folder)])
        assert fault.exit_code == 0, fault.output
        bad = runner.invoke(app, ["fault", "explode", "--dir", str(folder)])
        assert bad.exit_code != 0 and "unknown fault 'explode'" in str(bad.exception)
    finally:
        down = runner.invoke(app, ["down", "--dir", str(folder)])
    assert down.exit_code == 0 and "Lab stopped." in down.output
    status = runner.invoke(app, ["status", "--dir", str(folder), "--json"])
    assert json.loads(status.output)["running"] is False


def test_lab_up_stock_presents_a_stock_kamailio(tmp_path):
    require_kamailio()
    runner = CliRunner()
    folder = tmp_path / "stock"
    try:
        up = runner.invoke(app, ["up", "--dir", str(folder), "--stock", "--json"])
        assert up.exit_code == 0, up.output
        info = json.loads(up.output)
        assert {"username": "alice", "number": "+15550001"} in info["accounts"]
        import sqlite3

        with sqlite3.connect(folder / "lab.sqlite") as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            acc = {r[1] for r in con.execute("PRAGMA table_info(acc)")}
        assert "provisioning" not in tables and "missed_calls" in tables
        assert acc == {"id", "method", "from_tag", "to_tag", "callid", "sip_code", "sip_reason", "time",
                       "src_user", "src_domain", "src_ip", "dst_ouser", "dst_user", "dst_domain"}
        disable = runner.invoke(app, ["fault", "disable", "carol", "--dir", str(folder)])
        assert disable.exit_code != 0 and "no provisioning table" in str(disable.exception)
    finally:
        runner.invoke(app, ["down", "--dir", str(folder)])
