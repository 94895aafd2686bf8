"""Every path of the seed graph, walked through the CLI with --json, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.cli_runner import cli

# (answers in order, expected final JSON fields)
PATHS = {
    "requirements-violated": (["violated"], {"status": "closed", "resolution": "operational-requirements-violation",
                                             "category": "out-of-scope", "level": 1}),
    # a handoff continues the same incident in the target playbook, at its first step
    "licence-error": (["met", "license"], {"status": "open", "handoff": "license-problem",
                                           "playbook": "license-problem", "current": "lp.account"}),
    "user-offline-error": (["met", "user-offline"], {"status": "open", "handoff": "user-offline",
                                                     "current": "uo.callee_registered"}),
    "user-unknown-error": (["met", "user-unknown"], {"status": "open", "handoff": "user-unknown",
                                                     "current": "uu.number_format"}),
    "other-error": (["met", "other"], {"status": "open", "handoff": "specific-error", "current": "se.message"}),
    "reconnection-fails": (["met", "none", "disconnected", "failed"],
                           {"status": "open", "handoff": "connection-issues", "playbook": "connection-issues",
                            "current": "ci.device_internet"}),
    "app-misconfigured": (["met", "none", "connected", "ok", "failed", "wrong"],
                          {"status": "closed", "resolution": "client-misconfiguration",
                           "category": "misconfiguration"}),
    "server-network-fault": (["met", "none", "connected", "ok", "failed", "correct", "fault"],
                             {"status": "closed", "resolution": "server-fault", "category": "server", "level": 2}),
    "server-service-fault": (["met", "none", "connected", "ok", "failed", "correct", "ok", "fault"],
                             {"status": "closed", "resolution": "server-fault", "level": 2}),
    "server-ok-client-bug": (["met", "none", "connected", "ok", "failed", "correct", "ok", "ok", "collected",
                              "bug-confirmed"], {"status": "closed", "resolution": "client-bug", "level": 3}),
    "server-ok-not-reproducible": (["met", "none", "error", "ok", "failed", "correct", "ok", "ok", "collected",
                                    "not-reproducible"], {"status": "closed", "resolution": "not-reproducible"}),
    "temporary-network-problem": (["met", "none", "connecting", "ok", "succeeded", "yes"],
                                  {"status": "closed", "resolution": "temporary-network-problem",
                                   "category": "connection"}),
    "other-party-offline": (["met", "none", "unknown", "ok", "succeeded", "no", "no"],
                            {"status": "closed", "resolution": "not-an-issue", "category": "not-an-issue"}),
    "remote-party-conflict": (["met", "none", "connected", "ok", "succeeded", "no", "yes", "conflict-found"],
                              {"status": "closed", "resolution": "remote-party-conflict", "level": 2}),
    "remote-ok-client-bug": (["met", "none", "connected", "ok", "succeeded", "no", "yes", "no-conflict",
                              "collected", "bug-confirmed"], {"status": "closed", "resolution": "client-bug"}),
    "remote-ok-not-reproducible": (["met", "none", "connected", "ok", "succeeded", "no", "yes", "no-conflict",
                                    "collected", "not-reproducible"], {"status": "closed",
                                                                       "resolution": "not-reproducible"}),
}


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
    for answer in ["met", "none", "connected", "ok", "succeeded", "no", "yes", "no-conflict", "collected"]:
        cli("incident", "answer", incident, answer, "--as", "ana", db=db_url)
    shown = cli("incident", "show", incident, "--json", db=db_url).json()
    assert [(e["from_level"], e["to_level"], e["request"]) for e in shown["escalations"]] == [
        (1, 2, "remote-party-check"), (2, 3, "suspected-client-bug")]
    assert shown["level"] == 3 and shown["status"] == "open"
    assert [e["kind"] for e in shown["events"]].count("escalated") == 2
