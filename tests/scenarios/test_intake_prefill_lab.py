"""Intake pre-fill from a real server: the caller's registration and the app's version and edition
from its User-Agent, read with one registrar probe against the lab's Kamailio."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli_runner import cli
from tests.probes.conftest import settings_for

pytestmark = pytest.mark.lab


def test_prefill_reads_registration_version_and_edition_from_the_server(
        lab_factory: Callable[..., Any], user_agent_factory: Callable[..., Any], sqlite_db_url: str) -> None:
    lab = lab_factory()
    settings_for(lab)  # writes the lab's probe config
    config = str(Path(lab.dir) / "probe-test.toml")
    bob = user_agent_factory(lab, "bob", user_agent="PrivateGSM/3.4.2 (Android) Enterprise")
    assert bob.register().code == 200
    opened = cli("incident", "open", "--caller", "bob", "--callee", "alice", "--complaint", "cant-call", "--prefill",
                 "--config", config, "--json", db=sqlite_db_url).json()
    # the edition from the User-Agent routes "can't call" to the enterprise procedure
    assert opened["playbook"] == "user-cant-call-enterprise"
    intake = cli("incident", "show", str(opened["id"]), "--json", db=sqlite_db_url).json()["intake"]
    assert intake["server"]["registered"] is True
    assert intake["server"]["user_agents"] == ["PrivateGSM/3.4.2 (Android) Enterprise"]
    assert (intake["app_version"], intake["edition"]) == ("3.4.2", "enterprise")

    # alice is not registered: the server says so, nothing is guessed
    other = cli("incident", "open", "--caller", "alice", "--callee", "bob", "--complaint", "cant-receive",
                "--prefill", "--config", config, "--app-version", "3.0.1", "--json", db=sqlite_db_url).json()
    server = cli("incident", "show", str(other["id"]), "--json", db=sqlite_db_url).json()["intake"]
    assert server["server"]["registered"] is False and "not registered" in server["server"]["note"]
    assert server["app_version"] == "3.0.1" and server["edition"] is None
