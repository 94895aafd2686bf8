"""A handoff moves the same incident into the target playbook (CLI): pinned version, one timeline
across playbooks, escalation entries of the target, overrides back into the first playbook, and
the graph of both."""

from __future__ import annotations

from tests.cli_runner import cli

TO_CONNECTION_ISSUES = ["met", "none", "disconnected", "failed"]


def _answer(db: str, incident: str, *outcomes: str) -> dict:  # type: ignore[type-arg]
    view: dict = {}  # type: ignore[type-arg]
    for outcome in outcomes:
        view = cli("incident", "answer", incident, outcome, "--as", "ana", "--json", db=db).json()
    return view


def test_a_handed_off_incident_continues_and_closes_in_the_target_playbook(db_url: str) -> None:
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db_url).json()["id"])
    moved = _answer(db_url, incident, *TO_CONNECTION_ISSUES)
    assert (moved["status"], moved["playbook"], moved["current"]) == ("open", "connection-issues",
                                                                      "ci.device_internet")
    versions = {p["id"]: p["version"] for p in cli("playbook", "list", "--json").json()}
    assert [(p["playbook"], p["version"]) for p in moved["playbooks"]] == [
        ("user-cant-call-professional", versions["user-cant-call-professional"]),
        ("connection-issues", versions["connection-issues"])]
    assert moved["playbooks"][0]["path"][-1] == "handoff.connection_issues"
    handed = [e for e in moved["events"] if e["kind"] == "handed-off"]
    data = dict(handed[0]["data"])
    assert data.pop("evidence")[-1]["node"] == "l1.force_reconnection"  # the move names what it rests on
    assert data == {"playbook": "connection-issues", "category": "connection", "continues": True}

    shown = cli("incident", "show", incident, db=db_url).out
    assert "Path in user-cant-call-professional@" in shown and "Path in connection-issues@" in shown
    text = cli("incident", "answer", incident, "yes", "--as", "ana", db=db_url).out
    assert "is at ci.server_reachable" in text
    done = _answer(db_url, incident, "reachable", "registered", "ok")
    assert (done["status"], done["resolution"], done["category"]) == ("closed", "temporary-network-problem",
                                                                      "connection")
    # one timeline: the seed's answers, the handoff, then the target's answers
    answered = [e["node"] for e in done["events"] if e["kind"] in ("answered", "handed-off")]
    assert answered == ["intake.operational_requirements", "intake.client_error_message", "l1.connection_status",
                        "l1.force_reconnection", "handoff.connection_issues", "ci.device_internet",
                        "ci.server_reachable", "ci.registration", "ci.force_reconnection"]
    assert done["path"][:2] == ["intake.operational_requirements", "intake.client_error_message"]
    assert done["path"][-1] == "close.temporary_network_problem"


def test_the_cli_says_where_the_incident_continues(sqlite_db_url: str) -> None:
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json",
                       db=sqlite_db_url).json()["id"])
    _answer(sqlite_db_url, incident, "met")
    out = cli("incident", "answer", incident, "license", "--as", "ana", db=sqlite_db_url).out
    assert out == f"Handed off to license-problem: incident {incident} continues there.\n" \
                  f"Incident {incident} is at lp.account (level 1).\n"


def test_escalations_use_the_entries_of_the_playbook_the_incident_is_in(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    _answer(db, incident, *TO_CONNECTION_ISSUES, "yes")
    escalated = cli("incident", "escalate", incident, "server-network-fault", "--as", "ana", "--note",
                    "the user's app reports a certificate error", "--json", db=db).json()
    assert (escalated["level"], escalated["current"]) == (2, "l2.server_restore")
    closed = cli("incident", "answer", incident, "restored", "--as", "ben", "--json", db=db).json()
    assert (closed["status"], closed["resolution"]) == ("closed", "server-fault")
    assert [e["request"] for e in closed["escalations"]] == ["server-network-fault"]


def test_an_override_reaches_back_into_the_first_playbook(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    _answer(db, incident, *TO_CONNECTION_ISSUES, "yes")
    # the user now says the app did show a licence error: re-route from the seed's question
    view = cli("incident", "override", incident, "intake.client_error_message", "license", "--reason",
               "user sent a screenshot", "--as", "ana", "--json", db=db).json()
    assert (view["playbook"], view["current"]) == ("license-problem", "lp.account")
    assert [p["playbook"] for p in view["playbooks"]] == ["user-cant-call-professional", "license-problem"]
    overridden = [e for e in view["events"] if e["kind"] == "overridden"][0]
    assert (overridden["node"], overridden["data"]["previous"]) == ("intake.client_error_message", "none")
    # and back into the second playbook's own step, after another handoff
    again = cli("incident", "override", incident, "intake.client_error_message", "none", "--reason", "no, none",
                "--as", "ana", "--json", db=db).json()
    assert again["current"] == "l1.connection_status" and again["playbook"] == "user-cant-call-professional"


def test_the_graph_of_a_handed_off_incident_shows_both_playbooks(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    _answer(db, incident, *TO_CONNECTION_ISSUES, "no")
    for playbook in ("user-cant-call-professional", "connection-issues"):
        dot = cli("playbook", "render", playbook, "--format", "dot", "--incident", incident, db=db).out
        assert 'subgraph "cluster_0"' in dot and 'subgraph "cluster_1"' in dot
        assert '"0:handoff.connection_issues" -> "1:ci.device_internet" [label="continues"' in dot
        assert '"1:close.operational_requirements_violation" [label="close: operational-requirements-violation", ' \
               'shape=doubleoctagon, style=filled' in dot
    mermaid = cli("playbook", "render", "connection-issues", "--incident", incident, "--json", db=db).json()
    assert 'p0_handoff_connection_issues -.->|"continues"| p1_ci_device_internet' in mermaid["text"]
    assert [p["playbook"] for p in mermaid["playbooks"]] == ["user-cant-call-professional", "connection-issues"]
    other = cli("playbook", "render", "call-quality", "--incident", incident, db=db)
    assert other.code == 1 and "ran user-cant-call-professional, connection-issues, not call-quality" in other.err


def test_reports_count_handoffs_that_continued(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    _answer(db, incident, *TO_CONNECTION_ISSUES)
    report = cli("report", "--json", db=db).json()
    assert report["handoffs"] == [{"playbook": "connection-issues", "category": "connection", "count": 1,
                                   "share": 1.0}]


def test_the_dossier_of_a_handed_off_incident_covers_both_playbooks(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=db).json()["id"])
    _answer(db, incident, *TO_CONNECTION_ISSUES, "yes")
    dossier = cli("incident", "dossier", incident, "--format", "json", db=db).json()
    assert [p["playbook"] for p in dossier["playbooks"]] == ["user-cant-call-professional", "connection-issues"]
    rows = {(r["playbook"], r["node"]): r for r in dossier["path"]}
    assert rows[("user-cant-call-professional", "l1.force_reconnection")]["outcome"] == "failed"
    assert rows[("connection-issues", "ci.device_internet")]["prompt"].startswith("Does the device have internet")
    assert rows[("connection-issues", "ci.server_reachable")]["level"] == 1
