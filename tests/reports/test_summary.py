"""Reports over incidents walked through IncidentService, with an injected clock (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.errors import InvalidAnswer
from calltriage.reports import render_text, summary
from calltriage.services.context import App
from tests.records.cast import (
    ANA,
    BEN,
    TO_CLIENT_MISCONFIGURATION,
    TO_CONNECTION_HANDOFF,
    TO_REMOTE_PARTY_CHECK,
    TO_TEMPORARY_NETWORK,
    Clock,
    make_app,
    open_incident,
)


def _walk_timed(app: App, clock: Clock, incident_id: int, outcomes: list[str], start: float,
                step: float) -> float:
    for n, outcome in enumerate(outcomes, 1):
        clock.at(start + n * step)
        app.incidents.answer(incident_id, outcome, actor=ANA)
    return start + len(outcomes) * step


@pytest.fixture
def four(db_url: str) -> App:
    """Four incidents with known ends: two misconfigurations, two connection issues (one a handoff).

    Level-1 intervals: 6, 12, 4 and 7 minutes; one level-2 interval of 30 minutes.
    """
    clock = Clock()
    app = make_app(db_url, clock)
    clock.at(0)
    first = open_incident(app, "alice", "bob", reporter="desk-a")
    _walk_timed(app, clock, first, TO_CLIENT_MISCONFIGURATION, 0, 1)  # closed at 6
    clock.at(10)
    second = open_incident(app, "alice", "+15550002", reporter="desk-a")
    _walk_timed(app, clock, second, TO_TEMPORARY_NETWORK, 10, 2)  # closed at 22
    clock.at(30)
    third = open_incident(app, "carol", "bob", reporter="desk-b")
    _walk_timed(app, clock, third, TO_CONNECTION_HANDOFF, 30, 1)  # handed off at 34
    clock.at(40)
    fourth = open_incident(app, "alice", "dave")
    end = _walk_timed(app, clock, fourth, TO_REMOTE_PARTY_CHECK, 40, 1)  # escalated at 47
    clock.at(end + 30)
    app.incidents.answer(fourth, "conflict-found", actor=BEN)  # closed at 77
    yield app
    app.close()


def test_it_counts_statuses_and_gives_exact_resolution_and_handoff_shares(four: App) -> None:
    report = summary(four.store)
    assert report["incidents"]["total"] == 4
    assert report["incidents"]["by_status"] == {"open": 0, "closed": 3, "handed-off": 1}
    assert {(r["resolution"], r["category"], r["count"], r["share"]) for r in report["resolutions"]} == {
        ("client-misconfiguration", "misconfiguration", 1, 0.3333),
        ("temporary-network-problem", "connection", 1, 0.3333),
        ("remote-party-conflict", "misconfiguration", 1, 0.3333),
    }
    assert report["handoffs"] == [{"playbook": "connection-issues", "category": "connection", "count": 1,
                                   "share": 1.0}]


def test_categories_include_handoffs_and_confirm_the_seeds_half_and_half_split(four: App) -> None:
    report = summary(four.store)
    cats = {c["category"]: c for c in report["categories"]}
    assert cats["misconfiguration"] == {"category": "misconfiguration", "count": 2, "share": 0.5, "closed": 2,
                                              "handed_off": 0}
    assert cats["connection"] == {"category": "connection", "count": 2, "share": 0.5, "closed": 1,
                                  "handed_off": 1}
    assert cats["server"]["count"] == 0 and cats["server"]["share"] == 0.0
    split = report["seed_split"]
    shares = (split["misconfiguration_share"], split["connection_share"], split["difference"])
    assert shares == (0.5, 0.5, 0.0)
    assert split["balance"] == 0.5 and split["within_tolerance"] is True


def test_the_seed_check_fails_when_connection_issues_dominate(db_url: str) -> None:
    app = make_app(db_url)
    walks = (TO_CLIENT_MISCONFIGURATION, TO_TEMPORARY_NETWORK, TO_TEMPORARY_NETWORK, TO_CONNECTION_HANDOFF)
    for walk_to in walks:
        incident = open_incident(app)
        for outcome in walk_to:
            app.incidents.answer(incident, outcome, actor=ANA)
    split = summary(app.store, tolerance=0.2)["seed_split"]
    shares = (split["misconfiguration_share"], split["connection_share"], split["difference"])
    assert shares == (0.25, 0.75, 0.5)
    assert split["within_tolerance"] is False and split["tolerance"] == 0.2
    app.close()


def test_escalations_are_counted_per_level_with_their_requests(four: App) -> None:
    esc = summary(four.store)["escalations"]
    assert (esc["total"], esc["incidents"], esc["share_of_incidents"]) == (1, 1, 0.25)
    assert esc["by_level"] == [{"to_level": 2, "count": 1, "from_levels": {"1": 1},
                                "requests": {"remote-party-check": 1}, "incidents": 1,
                                "share_of_incidents": 0.25}]


def test_median_time_per_level_comes_from_event_timestamps(four: App) -> None:
    report = summary(four.store)
    # Level 1: 4, 6, 7 and 12 minutes -> (6 + 7) / 2; level 2: the one 30-minute interval.
    assert report["time_per_level"] == [
        {"level": 1, "median_seconds": 390.0, "intervals": 4, "in_progress": 0, "target_seconds": 1800,
         "within_target": True},
        {"level": 2, "median_seconds": 1800.0, "intervals": 1, "in_progress": 0, "target_seconds": 14400,
         "within_target": True},
    ]
    assert report["time_to_close"] == {"closed": {"median_seconds": 720.0, "incidents": 3},
                                       "handed-off": {"median_seconds": 240.0, "incidents": 1}}


def test_node_reach_and_outcomes_come_from_paths_and_events(four: App) -> None:
    nodes = {n["node"]: n for n in summary(four.store)["nodes"]}
    assert nodes["intake.operational_requirements"]["reached"] == 4
    assert nodes["intake.operational_requirements"]["outcomes"] == {"met": 4}
    assert nodes["l1.force_reconnection"]["outcomes"] == {"ok": 3, "failed": 1}
    assert nodes["l1.force_reconnection"]["by_source"] == {"operator": 4, "probe": 0}
    assert nodes["l2.remote_party"]["reached"] == 1
    assert nodes["l2.remote_party"]["outcomes"] == {"conflict-found": 1}
    assert nodes["close.remote_party_conflict"]["reached"] == 1
    assert nodes["handoff.connection_issues"]["reached"] == 1
    assert "l3.client_bug" not in nodes


def test_the_outcomes_of_every_node_add_up_to_its_visits(four: App) -> None:
    incident = open_incident(four)
    for outcome in ("met", "none", "connected", "ok", "succeeded", "no", "no"):
        four.incidents.answer(incident, outcome, actor=ANA)
    four.incidents.reopen(incident, actor=ANA, reason="the user called again")
    four.incidents.answer(incident, "yes", actor=ANA)
    four.incidents.override(incident, "l1.other_party_registered", "no", actor=BEN,
                            reason="the callee's phone was off after all")
    nodes = summary(four.store)["nodes"]
    assert nodes and all(sum(n["outcomes"].values()) == n["reached"] for n in nodes), nodes
    by_id = {n["node"]: n for n in nodes}
    assert by_id["l1.other_party_registered"]["outcomes"] == {"yes": 1, "no": 1}
    assert by_id["l2.remote_party"]["outcomes"] == {"conflict-found": 1}


def test_probe_verdicts_undecided_probes_and_overrides_are_told_apart(db_url: str) -> None:
    clock = Clock()
    app = make_app(db_url, clock)
    incident = open_incident(app)
    version = ProbeResult("client.version", ProbeStatus.OK, "client 3.1.0 meets 3.0.0", {"version": "3.1.0"})
    app.incidents.record_probe(incident, "intake.operational_requirements", version, actor=ANA)
    app.incidents.answer(incident, "none", actor=ANA)
    broken = ProbeResult("registrar.registration", ProbeStatus.ERROR,
                         "the control interface is not configured")
    app.incidents.record_probe(incident, "l1.connection_status", broken, actor=ANA)
    for outcome in ("connected", "ok", "failed", "wrong"):
        app.incidents.answer(incident, outcome, actor=ANA)
    clock.at(5)
    app.incidents.reopen(incident, actor=ANA, reason="the user says the settings were right")
    app.incidents.answer(incident, "correct", actor=ANA)
    app.incidents.override(incident, "l1.connection_status", "connected", actor=BEN, reason="same verdict, re-run")
    report = summary(app.store)
    nodes = {n["node"]: n for n in report["nodes"]}
    intake = nodes["intake.operational_requirements"]
    assert (intake["outcomes"], intake["by_source"], intake["probe_status"]) == (
        {"met": 1}, {"operator": 0, "probe": 1}, {"ok": 1})
    status = nodes["l1.connection_status"]
    assert (status["probe_undecided"], status["probe_status"], status["outcomes"]) == (1, {"error": 1},
                                                                                       {"connected": 1})
    assert status["by_source"] == {"operator": 1, "probe": 0}
    assert nodes["l1.connection_status"]["overrides"] == {"connected": 1}
    assert "l1.client_config" not in {n for n, v in nodes.items() if v["reached"]}  # abandoned by the override
    for node in report["nodes"]:  # outcomes add up to the visits, overrides included
        assert sum(node["outcomes"].values()) == node["reached"], node
    assert report["incidents"]["open_by_level"] == {"1": 1}  # the override took it back to L1
    assert report["escalations"]["by_level"][0]["requests"] == {"server-status-check": 1}
    app.close()


def test_since_until_and_playbook_choose_the_incidents(db_url: str) -> None:
    clock = Clock()
    app = make_app(db_url, clock)
    open_incident(app)  # 2026-03-02
    clock.at(3 * 24 * 60)
    open_incident(app)  # 2026-03-05
    assert summary(app.store, since="2026-03-03")["incidents"]["total"] == 1
    assert summary(app.store, until="2026-03-02")["incidents"]["total"] == 1  # the until day is included
    window = summary(app.store, since="2026-03-02T09:00:00Z", until="2026-03-05T08:59")
    assert window["incidents"]["total"] == 1
    assert summary(app.store, playbook="user-cant-call-professional")["incidents"]["total"] == 2
    assert summary(app.store, playbook="connection-issues")["incidents"]["total"] == 0
    app.close()


def test_where_incidents_come_from_lists_reporters_and_callers(four: App) -> None:
    sources = summary(four.store)["sources"]
    assert sources["reporters"] == [{"name": "desk-a", "count": 2}, {"name": "ana", "count": 1},
                                    {"name": "desk-b", "count": 1}]
    assert sources["callers"] == [{"name": "alice", "count": 3}, {"name": "carol", "count": 1}]
    assert (sources["distinct_reporters"], sources["distinct_callers"]) == (3, 2)


def test_an_empty_store_reports_zeros_and_no_shares(db_url: str) -> None:
    app = make_app(db_url)
    report = summary(app.store)
    assert report["incidents"]["total"] == 0
    assert report["resolutions"] == [] and report["time_per_level"] == [] and report["nodes"] == []
    assert report["seed_split"]["within_tolerance"] is None
    assert "about equal: no data" in render_text(report)
    app.close()


def test_a_date_that_is_not_a_date_is_refused_with_the_format_to_use(db_url: str) -> None:
    app = make_app(db_url)
    with pytest.raises(InvalidAnswer, match="YYYY-MM-DD"):
        summary(app.store, since="last tuesday")
    with pytest.raises(InvalidAnswer, match="earlier than the until date"):
        summary(app.store, since="2026-03-05", until="2026-03-01")
    app.close()


def test_the_text_report_prints_every_table(four: App) -> None:
    text = render_text(summary(four.store))
    for heading in ("STATUS", "RESOLUTION", "CATEGORY", "Seed check", "TO LEVEL", "MEDIAN", "NODE",
                    "REPORTER", "CALLER"):
        assert heading in text
    assert "about equal: yes" in text
    assert "6.5 min" in text and "30.0 min" in text


def test_volume_per_day_backlog_by_age_and_time_against_targets_add_up(four: App) -> None:
    from calltriage.reports.volume import parse_targets

    report = summary(four.store, targets={1: 5.0})
    assert sum(d["count"] for d in report["opened_per_day"]) == report["incidents"]["total"]
    assert sum(b["count"] for b in report["backlog_by_age"]) == report["incidents"]["by_status"].get("open", 0)
    level1 = next(t for t in report["time_per_level"] if t["level"] == 1)
    assert level1["target_seconds"] == 5.0 and level1["within_target"] is (level1["median_seconds"] <= 5.0)
    assert parse_targets("1=30m, L2=4h,3=3d") == {1: 1800, 2: 14400, 3: 259200}
    with pytest.raises(InvalidAnswer, match="LEVEL=DURATION"):
        parse_targets("1=soon")
