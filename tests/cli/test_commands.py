"""The CLI's commands, their JSON and their one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cast import TO_NOT_AN_ISSUE, TO_SERVER_STATUS_CHECK
from tests.cli_runner import cli

ROOT = Path(__file__).resolve().parents[2]
EXE = Path(sys.executable).parent / "calltriage"


def open_incident(db: str, caller: str = "alice", callee: str = "bob") -> str:
    return str(cli("incident", "open", "--caller", caller, "--callee", callee, "--json", db=db).json()["id"])


def test_init_creates_the_database_and_is_idempotent(tmp_path: Path) -> None:
    db = str(tmp_path / "new.sqlite")
    assert cli("incident", "list", db=db).err.startswith("Error: database")
    assert cli("init", "--json", db=db).json()["ready"] is True
    assert cli("init", db=db).code == 0
    assert cli("incident", "list", "--json", db=db).json() == {"total": 0, "items": []}


def test_next_reports_the_step_with_its_choices(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    step = cli("incident", "next", incident, "--json", db=sqlite_db_url).json()
    assert step["node"] == "intake.operational_requirements"
    assert step["level"] == 1 and step["kind"] == "check"
    assert step["choices"] == ["violated", "met"]
    assert step["prompt"]


def test_an_unknown_choice_is_an_error_listing_the_valid_ones(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    result = cli("incident", "answer", incident, "perhaps", "--as", "ana", db=sqlite_db_url)
    assert result.code == 1
    assert result.err == "Error: 'perhaps' is not an outcome of intake.operational_requirements: " \
                         "choose one of violated, met\n"
    assert cli("incident", "show", incident, "--json", db=sqlite_db_url).json()["revision"] == 1


def test_unknown_incidents_and_playbooks_are_one_line_errors(sqlite_db_url: str) -> None:
    for args in (["incident", "show", "999"], ["incident", "next", "999"],
                 ["incident", "answer", "999", "met"], ["incident", "open", "--playbook", "nope", "--caller", "a",
                                                         "--callee", "b"]):
        result = cli(*args, db=sqlite_db_url)
        assert result.code == 1, args
        assert result.err.startswith("Error: ") and result.err.count("\n") == 1, result.err
        assert "Traceback" not in result.err


def test_list_filters_by_status_and_level(sqlite_db_url: str) -> None:
    closed = open_incident(sqlite_db_url)
    cli("incident", "answer", closed, "violated", db=sqlite_db_url)
    escalated = open_incident(sqlite_db_url, "carol", "dave")
    for answer in TO_SERVER_STATUS_CHECK:
        cli("incident", "answer", escalated, answer, db=sqlite_db_url)
    fresh = open_incident(sqlite_db_url, "erin", "frank")
    ids = lambda *a: [i["id"] for i in cli("incident", "list", *a, "--json", db=sqlite_db_url).json()["items"]]  # noqa: E731
    assert ids("--status", "closed") == [int(closed)]
    assert ids("--status", "open", "--level", "2") == [int(escalated)]
    assert ids("--status", "open", "--level", "1") == [int(fresh)]
    assert ids("--search", "caro") == [int(escalated)]
    assert cli("incident", "list", "--status", "bogus", db=sqlite_db_url).err.startswith("Error: unknown status")


def test_override_reroutes_with_a_recorded_reason(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    for answer in TO_NOT_AN_ISSUE:
        cli("incident", "answer", incident, answer, db=sqlite_db_url)
    assert cli("incident", "show", incident, "--json", db=sqlite_db_url).json()["resolution"] == "not-an-issue"
    closed = cli("incident", "override", incident, "l1.other_party_registered", "yes", "--reason", "x",
                 db=sqlite_db_url)
    assert closed.code == 1 and "reopen it before overriding" in closed.err
    missing = cli("incident", "reopen", incident, "--reason", "", db=sqlite_db_url)
    assert missing.code == 1 and "reason is empty" in missing.err
    reopened = cli("incident", "reopen", incident, "--reason", "user called back", "--as", "ana", "--json",
                   db=sqlite_db_url).json()
    assert reopened["status"] == "open" and reopened["current"] == "l1.other_party_registered"
    view = cli("incident", "override", incident, "l1.test_call", "failed", "--reason",
               "the user says the test call dropped", "--as", "ana", "--json", db=sqlite_db_url).json()
    assert view["status"] == "open" and view["level"] == 1 and view["current"] == "l1.client_config"
    override = [e for e in view["events"] if e["kind"] == "overridden"][0]
    assert override["note"] == "the user says the test call dropped"
    assert override["data"]["previous"] == "succeeded" and override["outcome"] == "failed"
    gone = {e["node"] for e in view["events"] if e["superseded"]}
    assert gone == {"l1.test_call", "l1.call_other_party", "l1.other_party_registered", "close.not_an_issue"}


def test_manual_escalation_close_and_notes(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    cli("incident", "note", incident, "user is travelling", "--as", "ana", db=sqlite_db_url)
    bare = cli("incident", "escalate", incident, "server-status-check", "--as", "ana", db=sqlite_db_url)
    assert bare.code == 1 and "needs a note" in bare.err
    skip = cli("incident", "escalate", incident, "suspected-client-bug", "--as", "ana", "--note", "x", db=sqlite_db_url)
    assert skip.code == 1 and "next level only" in skip.err
    view = cli("incident", "escalate", incident, "server-status-check", "--as", "ana", "--note", "server?", "--json",
               db=sqlite_db_url).json()
    assert view["level"] == 2 and view["current"] == "l2.server_network"
    view = cli("incident", "close", incident, "server-fault", "--as", "ben", "--note", "restarted", "--json",
               db=sqlite_db_url).json()
    assert view["status"] == "closed" and view["resolution"] == "server-fault"
    kinds = [e["kind"] for e in view["events"]]
    assert kinds == ["opened", "note", "escalated", "closed"]


def test_guided_mode_can_be_left_and_resumed(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    first = cli("incident", "run", incident, "--as", "ana", db=sqlite_db_url, stdin="2\nall fine\nq\n")
    assert "caller: alice" in first.out and "Did the app show a specific error" in first.out
    assert "Resume with: calltriage incident run" in first.out
    assert cli("incident", "next", incident, "--json", db=sqlite_db_url).json()["node"] == \
        "intake.client_error_message"
    second = cli("incident", "run", incident, "--as", "ana", db=sqlite_db_url, stdin="bogus\nlicense\n\nq\n")
    assert "is not a choice" in second.out
    # the same incident continues in the licence procedure
    assert "Handed off to license-problem: incident 1 continues there." in second.out
    assert "[L1] lp.account" in second.out
    events = cli("incident", "show", incident, "--json", db=sqlite_db_url).json()["events"]
    assert [(e["node"], e["outcome"], e["note"]) for e in events if e["kind"] == "answered"] == [
        ("intake.operational_requirements", "met", "all fine"), ("intake.client_error_message", "license", "")]


def test_render_draws_mermaid_and_dot_with_the_path(sqlite_db_url: str) -> None:
    incident = open_incident(sqlite_db_url)
    cli("incident", "answer", incident, "violated", db=sqlite_db_url)
    mermaid = cli("playbook", "render", "user-cant-call-professional", "--incident", incident, db=sqlite_db_url)
    assert mermaid.out.startswith("flowchart TD")
    assert "class intake_operational_requirements,close_operational_requirements_violation taken" in mermaid.out
    dot = cli("playbook", "render", "user-cant-call-professional", "--format", "dot", db=sqlite_db_url).out
    assert dot.startswith('digraph "user-cant-call-professional"') and "fillcolor" not in dot
    assert cli("playbook", "render", "user-cant-call-professional", "--format", "png").code == 1


def test_playbook_list_validate_and_show() -> None:
    listed = cli("playbook", "list", "--json").json()
    assert "user-cant-call-professional" in [p["id"] for p in listed]
    assert all(r["valid"] for r in cli("playbook", "validate", "--json").json())
    bad = cli("playbook", "validate", str(ROOT / "tests/engine/invalid/cycle.yaml"))
    assert bad.code == 1 and "cycle a -> b -> a" in bad.err
    shown = cli("playbook", "show", "user-cant-call-professional", "--json").json()
    assert shown["entries"] == {"remote-party-check": "l2.remote_party",
                                "server-status-check": "l2.server_network",
                                "suspected-client-bug": "l3.client_bug"}


def test_the_installed_command_prints_errors_without_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CALLTRIAGE_DB": str(tmp_path / "x.sqlite")}
    result = subprocess.run([str(EXE), "incident", "show", "1"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"Error: database sqlite:///{tmp_path / 'x.sqlite'} is not initialised: " \
                            "run `calltriage init`\n"
    debug = subprocess.run([str(EXE), "--debug", "incident", "show", "1"], capture_output=True, text=True,
                           env=env, timeout=60)
    assert "Traceback" in debug.stderr
