"""A lab fault that hits three users yields one major incident, from real probe findings.

A private Kamailio presents an expired certificate; three users' "connection issues" incidents
reach the server check, whose real TLS handshake fails the same way; they are grouped into one
major incident (default threshold 3). An incident triaged while the certificate was still valid
is not grouped. Closing the major incident closes the three.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from calltriage.probes.runner import ProbeRunner
from calltriage.services.context import App, build_app
from calltriage.services.triage import TriageService
from tests.cast import ANA, BEN
from tests.probes.conftest import settings_for

pytestmark = pytest.mark.lab



@pytest.fixture
def desk(sqlite_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.delenv("CALLTRIAGE_MAJOR_THRESHOLD", raising=False)  # the default: 3 incidents
    app = build_app(sqlite_db_url)
    yield app
    app.close()


def triage_connection(app: App, triage: TriageService, user: str) -> dict[str, Any]:
    """The user's "connection issues" incident: the operator says the device is online, probes go on."""
    view = app.incidents.open(playbook_id="connection-issues", caller=user, callee="bob", actor=ANA)
    app.incidents.answer(view["id"], "yes", actor=ANA, node="ci.device_internet")
    return triage.advance(view["id"]).incident


@pytest.mark.parametrize("backend", ["kamailio", "privateserver"])
def test_an_expired_certificate_hitting_three_users_is_one_major_incident(
        lab_factory: Callable[..., Any], desk: App, backend: str) -> None:
    lab = lab_factory(backend=backend)
    runner = ProbeRunner()
    try:
        triage = TriageService(desk.incidents, runner, settings_for(lab), max_wait=2.0)
        unrelated = triage_connection(desk, triage, "dave")  # before the fault: the server check passes
        assert [e["outcome"] for e in unrelated["events"] if e["node"] == "ci.server_reachable"] == ["reachable"]

        lab.swap_certificate("expired", restart=False)
        hit = [triage_connection(desk, triage, user) for user in ("alice", "bob", "carol")]
    finally:
        runner.close()
    for view in hit:
        probed = [e for e in view["events"] if e["kind"] == "probed" and e["node"] == "ci.server_reachable"]
        assert probed[0]["outcome"] == "fault"
        assert probed[0]["data"]["result"]["evidence"]["tls"]["failure"] == "tls-expired"
    [major] = desk.majors.list()
    assert major["linked"] == 3 and "expired server certificate" in major["title"]
    shown = desk.majors.get(major["id"])
    assert [i["caller"] for i in shown["incidents"]] == ["alice", "bob", "carol"]
    assert shown["finding"]["tls"]["failure"] == "tls-expired"
    assert desk.incidents.get(unrelated["id"])["major"] is None
    assert all(desk.incidents.get(v["id"])["major"] == major["id"] for v in hit)

    desk.majors.close(major["id"], resolution="server-fault", category="server", note="certificate renewed",
                      actor=BEN)
    assert [desk.incidents.get(v["id"])["resolution"] for v in hit] == ["server-fault"] * 3
    assert desk.incidents.get(unrelated["id"])["status"] == "open"
