"""Every path of the seed graph, walked through the CLI with --json, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.cast import SEED_PATHS, TO_SUSPECTED_CLIENT_BUG
from tests.cli_runner import cli

PATHS = SEED_PATHS


@pytest.mark.parametrize("name", list(PATHS))
def test_each_path_of_the_seed_playbook_reaches_its_verdict(name: str, db_url: str) -> None:
    answers, expected = PATHS[name]
    opened = cli("incident", "open", "--caller", "alice", "--callee", "+15550001", "--summary", name, "--json",
                 db=db_url).json()
    incident = str(opened["id"])
    for answer in answers:
        step = cli("incident", "next", incident, "--json", db=db_url).json()
        assert answer in step["choices"], (step["node"], step["choices"])
        cli("incident", "answer", incident, answer, "--as", "ana", "--node", step["node"], "--json",
            db=db_url).json()
    final = cli("incident", "next", incident, "--json", db=db_url).json()
    if expected["status"] == "open":  # handed off: the incident waits at the target's first step
        assert final["node"] == expected["current"] and final["playbook"] == expected["handoff"]
    else:
        assert final["node"] is None and final["status"] == expected["status"]
    shown = cli("incident", "show", incident, "--json", db=db_url).json()
    for key, value in expected.items():
        assert shown[key] == value, key
    answered = [e for e in shown["events"] if e["kind"] == "answered"]
    assert [e["outcome"] for e in answered] == answers
    assert all(e["actor"] == "ana" for e in answered)
    assert shown["path"][0] == "intake.operational_requirements"
    walked = [p["playbook"] for p in shown["playbooks"]]
    assert walked == ["user-cant-call-professional"] + ([expected["handoff"]] if "handoff" in expected else [])
    assert {"id", "status", "level", "resolution", "category", "handoff", "escalations", "path",
            "events"} <= set(shown)


def test_escalations_are_listed_with_their_requests(db_url: str) -> None:
    incident = str(cli("incident", "open", "--caller", "a", "--callee", "b", "--json", db=db_url).json()["id"])
    for answer in TO_SUSPECTED_CLIENT_BUG:
        cli("incident", "answer", incident, answer, "--as", "ana", db=db_url)
    shown = cli("incident", "show", incident, "--json", db=db_url).json()
    assert [(e["from_level"], e["to_level"], e["request"]) for e in shown["escalations"]] == [
        (1, 2, "remote-party-check"), (2, 3, "suspected-client-bug")]
    assert shown["level"] == 3 and shown["status"] == "open"
    assert [e["kind"] for e in shown["events"]].count("escalated") == 2
