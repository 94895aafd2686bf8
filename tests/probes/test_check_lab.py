"""`calltriage server check` against the real lab."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from calltriage.probes.check import check_server
from calltriage.probes.cli import app
from tests.probes.conftest import settings_for

pytestmark = pytest.mark.lab


def test_every_part_of_a_healthy_lab_checks_ok(lab_settings):
    report = check_server(lab_settings)
    lines = report.lines
    by_part = {x.part: x for x in lines}
    assert {"config", "tls_port", "sip_options", "control", "accounts_db", "account_a", "account_b"} <= set(by_part)
    assert all(x.ok for x in lines), [x.to_dict() for x in lines]
    assert by_part["console"].status == "skipped"
    assert report.backend == "kamailio" and set(report.capabilities.values()) == {"yes"}


def test_the_cli_prints_json_and_exits_0_for_a_healthy_lab(lab_settings):
    result = CliRunner().invoke(app, ["check", "--config", lab_settings.source, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["server"]["server"]["service_accounts"]["a"]["password"] == "set"
    assert data["backend"] == "kamailio" and {p["part"] for p in data["parts"]} >= {"tls_port", "control"}
    assert data["capabilities"]["registrar.registration"] == "yes"
    assert "svc-a-pw" not in result.output


def test_a_wrong_service_password_fails_that_part_only(lab_factory):
    lab = lab_factory()
    s = settings_for(lab)
    (lab.dir / "secrets" / "svc-b").write_text("wrong\n")
    lines = {x.part: x for x in check_server(settings_for_reload(s)).lines}
    assert lines["account_b"].status == "fail" and "401" in lines["account_b"].detail
    assert lines["account_a"].status == "ok"


def settings_for_reload(s):
    from calltriage.config import load_server_settings

    return load_server_settings(s.source and __import__("pathlib").Path(s.source))


def test_a_stopped_server_fails_with_plain_lines_and_exit_1(lab_factory):
    lab = lab_factory(cast=False)
    s = settings_for(lab)
    lab.stop()
    result = CliRunner().invoke(app, ["check", "--config", s.source])
    assert result.exit_code == 1
    assert "FAIL  tls_port" in result.output and "refused" in result.output


def test_a_bad_config_file_is_one_error_line(tmp_path):
    bad = tmp_path / "x.toml"
    bad.write_text("[server]\n")
    result = CliRunner().invoke(app, ["check", "--config", str(bad)])
    assert result.exit_code == 1 and "server.domain is required" in result.output
