"""`calltriage incident take|assign|release|reopen` and the rules the service enforces for every front end."""

from __future__ import annotations

from tests.cli.test_commands import open_incident as open_anonymous
from tests.cli_runner import cli


def open_incident(db: str) -> str:
    return str(cli("incident", "open", "--caller", "alice", "--callee", "bob", "--as", "ana", "--json",
                   db=db).json()["id"])

TO_L2 = ["met", "none", "connected", "ok", "succeeded", "no", "yes"]


def _users(db: str) -> None:
    for name, role in (("ana", "L1"), ("ben", "L2"), ("bea", "L2"), ("cy", "L3")):
        assert cli("user", "add", name, "--role", role, "--password-stdin", db=db,
                   stdin="correct horse battery\n").code == 0


def test_take_assign_and_release_follow_the_level_that_owns_the_incident(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    _users(db)
    incident = open_incident(db)
    assert cli("incident", "show", incident, "--json", db=db).json()["assignee"] == "ana"  # who opens it owns it
    assert "already yours" in cli("incident", "take", incident, "--as", "ana", db=db).err
    for answer in TO_L2:
        cli("incident", "answer", incident, answer, "--as", "ana", db=db)
    view = cli("incident", "show", incident, "--json", db=db).json()
    assert view["level"] == 2 and view["assignee"] is None  # the escalation leaves it to L2
    refused = cli("incident", "assign", incident, "cy", "--as", "ben", db=db)
    assert refused.code == 1 and "cy works at level 3" in refused.err
    assert cli("incident", "take", incident, "--as", "ana", db=db).err.startswith("Error: ana works at level 1")
    assert cli("incident", "assign", incident, "bea", "--as", "ben", "--json", db=db).json()["assignee"] == "bea"
    taken = cli("incident", "take", incident, "--as", "ben", db=db)
    assert taken.code == 1 and "taken by bea" in taken.err
    released = cli("incident", "release", incident, "--as", "bea", "--json", db=db).json()
    assert released["assignee"] is None
    actions = [e["data"]["action"] for e in released["events"] if e["kind"] == "assigned"]
    assert actions == ["assign", "release"]
    assert "owner: nobody" in cli("incident", "show", incident, db=db).out


def test_an_l1_operator_cannot_override_or_reopen_what_a_higher_level_owns_or_closed(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    _users(db)
    incident = open_incident(db)
    for answer in TO_L2:
        cli("incident", "answer", incident, answer, "--as", "ana", db=db)
    refused = cli("incident", "override", incident, "l1.connection_status", "disconnected", "--reason", "x",
                  "--as", "ana", db=db)
    assert refused.code == 1 and "owned by level 2" in refused.err
    for answer, who in (("no-conflict", "ben"), ("collected", "ben"), ("bug-confirmed", "cy")):
        cli("incident", "answer", incident, answer, "--as", who, db=db)
    assert cli("incident", "show", incident, "--json", db=db).json()["status"] == "closed"
    closed = cli("incident", "override", incident, "l1.connection_status", "disconnected", "--reason", "x",
                 "--as", "ana", db=db)
    assert closed.code == 1 and "reopen it" in closed.err
    reopen = cli("incident", "reopen", incident, "--reason", "x", "--as", "ana", db=db)
    assert reopen.code == 1 and "closed at level 3" in reopen.err
    view = cli("incident", "reopen", incident, "--reason", "user saw it again", "--as", "cy", "--json", db=db).json()
    assert view["status"] == "open" and view["level"] == 3 and view["current"] == "l3.client_bug"


def test_closing_offers_the_steps_own_resolutions_and_needs_a_reason_for_others(sqlite_db_url: str) -> None:
    db = sqlite_db_url
    incident = open_anonymous(db)
    other = cli("incident", "close", incident, "client-bug", db=db)
    assert other.code == 1 and "does not lead to client-bug" in other.err and "close anyway" in other.err
    bare = cli("incident", "close", incident, "client-bug", "--anyway", db=db)
    assert bare.code == 1 and "needs a reason" in bare.err
    own = cli("incident", "close", incident, "operational-requirements-violation", "--json", db=db).json()
    assert own["resolution"] == "operational-requirements-violation"
    second = open_anonymous(db)
    view = cli("incident", "close", second, "client-bug", "--anyway", "--note", "known crash", "--json",
               db=db).json()
    closed = [e for e in view["events"] if e["kind"] == "closed"][0]
    assert view["resolution"] == "client-bug" and closed["data"]["anyway"] is True and closed["note"] == "known crash"
