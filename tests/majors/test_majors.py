"""Major incidents from recorded server-side findings: grouping, threshold, window, closing, notifying.

The findings here are recorded probe results with the evidence the real probes produce (the lab
test in tests/scenarios/test_major_incidents_lab.py produces them from a real server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.errors import Forbidden, InvalidAnswer
from calltriage.services.context import App, build_app
from calltriage.services.findings import finding_of
from calltriage.services.incidents import Actor
from calltriage.services.majors import MajorService, MajorSettings
from tests.cast import ANA, BEN

PROBE = Actor("calltriage")


def expired(endpoint: str = "127.0.0.1:5061", not_after: str = "2025-01-01T00:00:00Z") -> ProbeResult:
    tls = {"endpoint": endpoint, "server_name": "localhost", "ok": False, "failure": "tls-expired",
           "error": "certificate has expired", "verify_code": 10,
           "certificate": {"subject": "CN=localhost", "not_after": not_after, "days_left": -30}}
    return ProbeResult("network.server", ProbeStatus.FAIL, "the server certificate has expired",
                       {"dns": "addresses configured as IPs", "tls": tls})


def services_down(*parts: str) -> ProbeResult:
    evidence = {name: {"status": "fail" if name in parts else "ok", "detail": f"{name} detail"}
                for name in ("sip_options", "test_call", "control", "accounts_db")}
    return ProbeResult("services.server", ProbeStatus.FAIL, "server fault", evidence)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(db_url: str) -> Iterator[tuple[App, MajorService, Clock]]:
    app = build_app(db_url)
    clock = Clock()
    app.incidents.clock = clock
    majors = MajorService(app.incidents, MajorSettings(threshold=3, window=600), clock=clock)
    app._majors = majors
    yield app, majors, clock
    app.close()


def at_reachability(app: App, caller: str) -> int:
    """A connection-issues incident waiting at its server check (the operator said the device is online)."""
    view = app.incidents.open(playbook_id="connection-issues", caller=caller, callee="bob", actor=ANA)
    app.incidents.answer(view["id"], "yes", actor=ANA)
    return int(view["id"])


def test_the_same_expired_certificate_on_three_incidents_proposes_one_major_incident(desk: Any) -> None:
    app, majors, _ = desk
    ids = [at_reachability(app, user) for user in ("alice", "bob", "carol", "dave")]
    app.incidents.record_probe(ids[0], "ci.server_reachable", expired(), actor=PROBE)
    app.incidents.record_probe(ids[1], "ci.server_reachable", expired(), actor=PROBE)
    assert majors.list() == []  # two are below the threshold
    app.incidents.record_probe(ids[2], "ci.server_reachable", expired(), actor=PROBE)
    # a different server fault (another certificate) is another finding
    app.incidents.record_probe(ids[3], "ci.server_reachable", expired(not_after="2024-06-01T00:00:00Z"), actor=PROBE)
    [major] = majors.list()
    assert major["linked"] == 3 and major["status"] == "open"
    assert major["title"] == "expired server certificate on 127.0.0.1:5061 (certificate valid until " \
                             "2025-01-01T00:00:00Z)"
    shown = majors.get(major["id"])
    assert [i["id"] for i in shown["incidents"]] == ids[:3]
    for iid in ids[:3]:
        view = app.incidents.get(iid)
        assert view["major"] == major["id"]
        assert [e["data"]["action"] for e in view["events"] if e["kind"] == "major"] == ["linked"]
    assert app.incidents.get(ids[3])["major"] is None


def test_a_later_incident_with_the_same_finding_joins_the_open_major_incident(desk: Any) -> None:
    app, majors, _ = desk
    ids = [at_reachability(app, user) for user in ("a", "b", "c", "d")]
    for iid in ids:
        app.incidents.record_probe(iid, "ci.server_reachable", expired(), actor=PROBE)
    [major] = majors.list()
    assert major["linked"] == 4


def test_findings_older_than_the_window_do_not_count(desk: Any) -> None:
    app, majors, clock = desk
    ids = [at_reachability(app, user) for user in ("a", "b", "c")]
    app.incidents.record_probe(ids[0], "ci.server_reachable", expired(), actor=PROBE)
    clock.now += timedelta(seconds=601)
    app.incidents.record_probe(ids[1], "ci.server_reachable", expired(), actor=PROBE)
    app.incidents.record_probe(ids[2], "ci.server_reachable", expired(), actor=PROBE)
    assert majors.list() == []
    assert majors.scan() == []


def test_user_level_results_and_passing_checks_are_no_finding() -> None:
    assert finding_of(ProbeResult("registrar.registration", ProbeStatus.FAIL, "not registered").to_dict()) is None
    assert finding_of(ProbeResult("network.server", ProbeStatus.OK, "fine", {"tls": {"ok": True}}).to_dict()) is None
    one = finding_of(services_down("control", "accounts_db").to_dict())
    two = finding_of(services_down("accounts_db", "control").to_dict())
    assert one is not None and two is not None and one.key == two.key == "services.server|accounts_db|control"
    assert finding_of(services_down("control").to_dict()).key != one.key  # type: ignore[union-attr]


def test_closing_a_major_incident_closes_its_open_incidents_with_its_resolution_and_a_note(desk: Any) -> None:
    app, majors, _ = desk
    ids = [at_reachability(app, user) for user in ("a", "b", "c")]
    for iid in ids:
        app.incidents.record_probe(iid, "ci.server_reachable", expired(), actor=PROBE)
    [major] = majors.list()
    with pytest.raises(Forbidden, match="level 2 or above"):
        majors.close(major["id"], resolution="server-fault", category="server", note="", actor=ANA)
    with pytest.raises(InvalidAnswer, match="unknown category"):
        majors.close(major["id"], resolution="server-fault", category="weather", note="", actor=BEN)
    closed = majors.close(major["id"], resolution="server-fault", category="server",
                          note="certificate renewed", actor=BEN)
    assert closed["status"] == "closed" and closed["closed_by"] == "ben"
    for iid in ids:
        view = app.incidents.get(iid)
        assert (view["status"], view["resolution"], view["category"]) == ("closed", "server-fault", "server")
        close = [e for e in view["events"] if e["kind"] == "closed"][-1]
        assert close["note"].startswith(f"Closed with major incident {major['id']} (expired server certificate")
        assert close["note"].endswith(": certificate renewed") and close["data"]["major"] == major["id"]
    with pytest.raises(InvalidAnswer, match="already closed"):
        majors.close(major["id"], resolution="server-fault", category="server", note="", actor=BEN)
    # a new occurrence after the close opens a new major incident
    again = [at_reachability(app, user) for user in ("d", "e", "f")]
    for iid in again:
        app.incidents.record_probe(iid, "ci.server_reachable", expired(), actor=PROBE)
    assert [m["status"] for m in majors.list()] == ["open", "closed"]
