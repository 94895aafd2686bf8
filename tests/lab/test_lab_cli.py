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
