"""`calltriage report`: plain-text tables and --json, through the real entry point."""

from __future__ import annotations

from tests.cli_runner import cli
from tests.records.cast import ANA, TO_CLIENT_MISCONFIGURATION, TO_CONNECTION_HANDOFF, make_app, open_incident


def _two_incidents(db_url: str) -> None:
    app = make_app(db_url)
    for walk_to in (TO_CLIENT_MISCONFIGURATION, TO_CONNECTION_HANDOFF):
        incident = open_incident(app)
        for outcome in walk_to:
            app.incidents.answer(incident, outcome, actor=ANA)
    app.close()


def test_report_json_has_the_same_numbers_as_the_service(db_url: str) -> None:
    _two_incidents(db_url)
    data = cli("report", "--json", db=db_url).json()
    assert data["incidents"]["total"] == 2
    assert data["seed_split"]["misconfiguration_share"] == 0.5
    assert data["seed_split"]["within_tolerance"] is True
    assert [r["resolution"] for r in data["resolutions"]] == ["client-misconfiguration"]


def test_report_prints_plain_text_tables(db_url: str) -> None:
    _two_incidents(db_url)
    result = cli("report", "--since", "2000-01-01", db=db_url)
    assert result.code == 0, result.err
    assert "client-misconfiguration" in result.out and "connection-issues" in result.out
    assert "about equal: yes" in result.out
    assert "\x1b[" not in result.out  # no colours: the text goes into tickets and mails


def test_report_with_a_bad_date_exits_1_with_one_line_naming_the_fix(sqlite_db_url: str) -> None:
    result = cli("report", "--since", "yesterday", db=sqlite_db_url)
    assert result.code == 1
    assert result.err.startswith("Error: ") and "YYYY-MM-DD" in result.err and result.err.count("\n") == 1
