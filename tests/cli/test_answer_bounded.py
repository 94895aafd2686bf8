"""`incident answer` with a server configured never blocks on a watch: it records the instruction
for the user and says so in its JSON; `incident watch` watches (again) for a bounded time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cli_runner import cli
from tests.probes.conftest import settings_for


def probed_at(db: str, incident: str, node: str) -> list[dict[str, Any]]:
    view = cli("incident", "show", incident, "--json", db=db).json()
    return [e for e in view["events"] if e["kind"] == "probed" and e["node"] == node]


@pytest.mark.lab
def test_answer_records_the_instruction_and_returns_and_watch_looks_for_the_users_action(
        sqlite_db_url: str, lab_factory: Callable[..., Any], user_agent_factory: Callable[..., Any]) -> None:
    lab = lab_factory()
    config = settings_for(lab).source
    assert config is not None
    db = sqlite_db_url
    alice = user_agent_factory(lab, "alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 200
    opened = cli("triage", "--caller", "alice", "--callee", "bob", "--config", config, "--json", db=db).json()
    incident = str(opened["incident"]["id"])
    assert opened["waiting"]["state"] == "operator" and opened["waiting"]["node"] == "intake.client_error_message"

    # the answer lets the quick probes run and stops at the watch step without watching
    answered = cli("incident", "answer", incident, "none", "--as", "ana", "--config", config, "--json", db=db).json()
    assert answered["probes"] == "ran"
    assert [p["node"] for p in answered["probed"]] == ["l1.connection_status"]
    waiting = answered["waiting"]
    assert waiting["state"] == "awaiting-user" and waiting["node"] == "l1.force_reconnection"
    assert "Force Manual Reconnection" in waiting["instruction"]
    assert waiting["choices"] == ["failed", "ok"]
    assert probed_at(db, incident, "l1.force_reconnection") == []

    # watching while the user does nothing: no evidence yet, the step stays
    quiet = cli("incident", "watch", incident, "--max-wait", "1", "--config", config, "--json", db=db).json()
    assert quiet["status"] == "open" and quiet["current"] == "l1.force_reconnection"
    assert quiet["waiting"]["state"] == "no-evidence-yet"
    assert quiet["waiting"]["watch"]["watched_seconds"] == 1
    text = cli("incident", "next", incident, db=db).out
    assert "No evidence yet" in text and f"calltriage incident watch {incident}" in text

    # the user reconnects; watching again finds it, and the next watch step only gets its instruction
    assert alice.register().code == 200
    found = cli("incident", "watch", incident, "--max-wait", "30", "--config", config, "--json", db=db).json()
    assert [(p["node"], p["outcome"]) for p in found["probed"]] == [("l1.force_reconnection", "ok")]
    assert found["waiting"]["state"] == "awaiting-user" and found["waiting"]["node"] == "l1.test_call"
    assert "test call" in found["waiting"]["instruction"]


@pytest.mark.lab
def test_no_probes_answers_only(sqlite_db_url: str, lab_factory: Callable[..., Any]) -> None:
    lab = lab_factory()
    config = settings_for(lab).source
    assert config is not None
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    answered = cli("incident", "answer", incident, "met", "--as", "ana", "--config", config, "--no-probes", "--json",
                   db=db).json()
    assert answered["probes"] == "skipped (--no-probes)" and answered["probed"] == []
    assert answered["current"] == "intake.client_error_message"
    assert answered["waiting"]["state"] == "operator"


def test_watch_without_a_server_is_a_one_line_error(sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLTRIAGE_CONFIG", raising=False)
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json",
                       db=sqlite_db_url).json()["id"])
    result = cli("incident", "watch", incident, db=sqlite_db_url)
    assert result.code == 1 and result.err.startswith("Error: no SIP server is configured")
    assert result.err.count("\n") == 1
