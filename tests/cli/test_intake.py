"""Intake through the CLI: each complaint of the matrix routes to its entry playbook, the operator
confirms or picks another, the Kepner–Tregoe record is stored with the incident."""

from __future__ import annotations

import pytest

from calltriage.domain.intake import COMPLAINTS
from tests.cli_runner import cli


@pytest.mark.parametrize("complaint", [c.id for c in COMPLAINTS])
def test_each_complaint_of_the_matrix_opens_its_entry_playbook(complaint: str, sqlite_db_url: str) -> None:
    expected = next(c.playbook for c in COMPLAINTS if c.id == complaint)
    opened = cli("incident", "open", "--caller", "alice", "--callee", "bob", "--complaint", complaint, "--json",
                 db=sqlite_db_url).json()
    assert (opened["playbook"], opened["complaint"]) == (expected, complaint)
    step = cli("incident", "next", str(opened["id"]), "--json", db=sqlite_db_url).json()
    assert step["playbook"] == expected and step["node"] == opened["current"]


def test_the_kepner_tregoe_record_is_stored_with_the_incident(db_url: str) -> None:
    out = cli("incident", "open", "--caller", "alice", "--callee", "bob", "--complaint", "cant-call",
              "--edition", "enterprise", "--definition", "I can't call Bob since the update",
              "--is", "what=calls to bob fail", "--is-not", "what=calls to carol work",
              "--is", "where=office wifi", "--is-not", "where=at home", "--is", "when=since 9:00",
              "--is", "extent=only bob", "--error-message", "", "--device", "Pixel 7, Android 14",
              "--app-version", "3.4.0", "--network", "wifi", "--as", "ana", db=db_url)
    assert out.code == 0, out.err
    assert out.out.startswith("Intake: cant-call → user-cant-call-enterprise (as proposed by the complaint matrix).")
    shown = cli("incident", "show", "1", "--json", db=db_url).json()
    intake = shown["intake"]
    assert shown["playbook"] == "user-cant-call-enterprise" and shown["complaint"] == "cant-call"
    assert intake["description"] == {"what": {"is": "calls to bob fail", "is_not": "calls to carol work"},
                                     "where": {"is": "office wifi", "is_not": "at home"},
                                     "when": {"is": "since 9:00"}, "extent": {"is": "only bob"}}
    assert (intake["device"], intake["app_version"], intake["network_type"], intake["edition"]) == (
        "Pixel 7, Android 14", "3.4.0", "wifi", "enterprise")
    assert intake["routing"] == {"proposed": "user-cant-call-enterprise", "chosen": "user-cant-call-enterprise",
                                 "confirmed_by": "ana", "message": None}
    assert shown["summary"] == "I can't call Bob since the update"
    assert shown["events"][0]["data"]["complaint"] == "cant-call"


def test_the_operator_may_choose_another_playbook_than_the_proposal(sqlite_db_url: str) -> None:
    out = cli("incident", "open", "--caller", "alice", "--callee", "bob", "--complaint", "cant-call",
              "--error-message", "Licence expired", "--playbook", "specific-error", db=sqlite_db_url)
    assert "chosen instead of the matrix's user-cant-call-professional" in out.out
    intake = cli("incident", "show", "1", "--json", db=sqlite_db_url).json()["intake"]
    assert intake["routing"]["chosen"] == "specific-error"
    assert intake["routing"]["message"]["outcome"] == "license"


def test_propose_names_the_entry_playbook_and_what_the_catalogue_says(sqlite_db_url: str) -> None:
    proposal = cli("intake", "propose", "--complaint", "cant-call", "--error-message", "User does not exist",
                   "--json", db=sqlite_db_url).json()
    assert proposal["playbook"] == "user-cant-call-professional"
    assert proposal["message"]["outcome"] == "user-unknown"
    listed = cli("intake", "complaints", "--json").json()
    assert {c["category"] for c in listed} == {"call performance", "connection", "application", "server"}


def test_bad_intake_input_is_one_line_naming_the_fix(sqlite_db_url: str) -> None:
    unknown = cli("incident", "open", "--caller", "a", "--callee", "b", "--complaint", "cant-fly", db=sqlite_db_url)
    assert unknown.code == 1 and unknown.err.startswith("Error: unknown complaint 'cant-fly': use one of cant-call,")
    grid = cli("incident", "open", "--caller", "a", "--callee", "b", "--complaint", "cant-call", "--is",
               "why=because", db=sqlite_db_url)
    assert grid.code == 1 and "--is 'why=because': write DIMENSION=TEXT" in grid.err
    network = cli("incident", "open", "--caller", "a", "--callee", "b", "--complaint", "cant-call", "--network",
                  "pigeon", db=sqlite_db_url)
    assert network.code == 1 and "unknown network type 'pigeon'" in network.err
    assert cli("incident", "list", "--json", db=sqlite_db_url).json()["total"] == 0  # nothing half-stored
    prefill = cli("incident", "open", "--caller", "a", "--callee", "b", "--complaint", "cant-call", "--prefill",
                  db=sqlite_db_url)
    assert prefill.code == 1 and "pre-filling needs the SIP server" in prefill.err
