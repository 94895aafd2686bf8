"""Backend ``privateserver``: what each check can answer follows from the configuration alone,
and its settings are checked when the config is read (no appliance contacted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.config import load_server_settings
from calltriage.errors import ConfigError
from calltriage.probes.capabilities import server_capabilities

BASE = '[server]\nbackend = "privateserver"\ndomain = "lab.test"\nhost = "127.0.0.1"\n'


def caps_for(tmp_path: Path, server: str = "", privateserver: str = "") -> dict[str, str]:
    path = tmp_path / "server.toml"
    path.write_text(BASE + server + ("[server.privateserver]\n" + privateserver if privateserver else ""))
    report = server_capabilities(load_server_settings(path))
    assert report["backend"] == "privateserver"
    caps = report["capabilities"]
    assert isinstance(caps, dict)
    return caps


def test_without_the_views_every_record_question_is_an_operator_question(tmp_path: Path) -> None:
    caps = caps_for(tmp_path)
    assert caps["registrar.registration"].startswith("no: the appliance's views are not configured")
    assert caps["calls.test_call"].startswith("no:")
    assert caps["network.server"] == "yes"


def test_views_without_an_accounts_query_leave_the_directory_to_the_operator(tmp_path: Path) -> None:
    caps = caps_for(tmp_path, 'accounts_db_url = "mysql://calltriage@127.0.0.1:3306/ps"\n')
    assert caps["registrar.reconnection"] == "yes"
    assert caps["registrar.registration"].startswith("partial: derived from the SIP Sessions log")
    assert caps["directory.remote_party"].startswith("no: no accounts query configured")


def test_an_accounts_query_that_is_not_one_select_is_refused(tmp_path: Path) -> None:
    for query in ("DELETE FROM V_SIP_ACCOUNT", "SELECT 1; DROP TABLE x"):
        with pytest.raises(ConfigError, match="accounts_query must be one read-only SELECT"):
            caps_for(tmp_path, privateserver=f'accounts_query = "{query}"\n')
