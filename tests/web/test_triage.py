"""Probes from the web: background triage jobs through /api/v1 and the desk (no SIP server here;
the real-lab runs are in test_triage_lab.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calltriage.services.jobs import NO_SERVER
from tests.web.conftest import Desk, csrf_of, login, make_desk


@pytest.fixture
def parked(db_url: str) -> Iterator[Desk]:
    """A desk whose probe jobs never start (no worker threads): a job stays 'running' for as long as needed."""
    made, services = make_desk(db_url, workers=0)
    with made.client:
        yield made
    services.close()


def wait_done(desk: Desk, incident_id: int) -> dict:  # type: ignore[type-arg]
    job = desk.app.state.ct.jobs.wait(incident_id, timeout=30)
    assert job is not None and not job.active
    return dict(desk.api("GET", f"/incidents/{incident_id}/triage").json())


def test_without_a_server_triage_still_runs_and_says_how_to_configure_one(desk: Desk) -> None:
    response = desk.api("POST", "/triage", json={"caller": "alice", "callee": "bob", "summary": "no calls"})
    assert response.status_code == 202
    incident_id = response.json()["incident"]
    assert response.headers["location"] == f"/api/v1/incidents/{incident_id}/triage"
    status = wait_done(desk, incident_id)
    assert status["state"] == "done" and status["server"] is None
    assert status["notice"] == NO_SERVER and "set CALLTRIAGE_CONFIG" in status["notice"]
    # the first check could not run: it stays a question for the operator, with the reason recorded
    assert status["waiting_for"] == "intake.operational_requirements"
    events = desk.api("GET", f"/incidents/{incident_id}").json()["events"]
    probed = [e for e in events if e["kind"] == "probed"]
    assert [(e["node"], e["outcome"], e["data"]["result"]["status"]) for e in probed] == [
        ("intake.operational_requirements", None, "error")]


def test_an_incident_that_never_ran_probes_is_idle(desk: Desk) -> None:
    incident = desk.open()
    status = desk.api("GET", f"/incidents/{incident['id']}/triage").json()
    assert status["state"] == "idle" and status["probed"] == [] and status["notice"] == NO_SERVER


def test_a_second_probe_run_on_the_same_incident_is_refused_while_the_first_runs(parked: Desk) -> None:
    incident = parked.open()
    assert parked.api("POST", f"/incidents/{incident['id']}/triage").status_code == 202
    second = parked.api("POST", f"/incidents/{incident['id']}/triage", "admin")
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "conflict" and "already running" in error["message"] and "\n" not in error["message"]
    assert parked.api("GET", f"/incidents/{incident['id']}/triage").json()["state"] == "running"


def test_only_an_operator_of_the_incidents_level_or_an_admin_runs_its_probes(desk: Desk) -> None:
    incident = desk.open()
    path = f"/incidents/{incident['id']}/triage"
    refused = desk.api("POST", path, "ben")
    assert refused.status_code == 403 and "level" in refused.json()["error"]["message"]
    assert desk.api("POST", path, "admin").status_code == 202
    wait_done(desk, incident["id"])
    assert desk.api("POST", path, "ana").status_code == 202
    assert desk.client.post(f"/api/v1{path}").status_code == 401
    assert desk.api("POST", path, "dora").status_code == 401  # disabled: her token is revoked


def test_a_closed_incident_has_nothing_left_to_probe(desk: Desk) -> None:
    incident = desk.open()
    desk.api("POST", f"/incidents/{incident['id']}/close",
             json={"resolution": "not-an-issue", "anyway": True, "note": "test"})
    response = desk.api("POST", f"/incidents/{incident['id']}/triage")
    assert response.status_code == 422 and "closed" in response.json()["error"]["message"]


def test_probe_routes_answer_404_for_an_unknown_incident(desk: Desk) -> None:
    assert desk.api("GET", "/incidents/999999/triage").status_code == 404
    assert desk.api("POST", "/incidents/999999/triage").status_code == 404


def test_the_probe_list_names_every_probe_the_playbooks_use(desk: Desk) -> None:
    probes = {p["name"]: p for p in desk.api("GET", "/probes").json()}
    assert {"client.version", "registrar.reconnection", "calls.test_call", "sip.callee_liveness"} <= set(probes)
    assert probes["registrar.reconnection"]["watch"] is True and probes["registrar.reconnection"]["title"]
    assert probes["client.version"]["watch"] is False


def test_the_desk_runs_probes_from_the_incident_page_with_its_form_token(desk: Desk) -> None:
    incident = desk.open()
    browser = login(desk, "ana")
    page = browser.get(f"/incidents/{incident['id']}")
    assert "Run probes" in page.text and "set CALLTRIAGE_CONFIG" in page.text
    assert browser.post(f"/incidents/{incident['id']}/probes", data={}).status_code == 403  # no CSRF token
    done = browser.post(f"/incidents/{incident['id']}/probes", data={"csrf": csrf_of(page.text)})
    assert done.status_code == 200 and "no SIP server configured" in done.text
    wait_done(desk, incident["id"])
    page = browser.get(f"/incidents/{incident['id']}").text
    assert "Evidence" in page and "client.version" in page and "stopped at" in page


def test_an_operator_of_another_level_sees_no_run_probes_button(desk: Desk) -> None:
    incident = desk.open()
    browser = login(desk, "ben")
    page = browser.get(f"/incidents/{incident['id']}")
    assert "Run probes" not in page.text
    refused = browser.post(f"/incidents/{incident['id']}/probes", data={"csrf": csrf_of(page.text)})
    assert "works at level 2" in refused.text


def test_while_probes_run_the_incident_page_refreshes_itself(parked: Desk) -> None:
    incident = parked.open()
    parked.api("POST", f"/incidents/{incident['id']}/triage")
    page = login(parked, "ana").get(f"/incidents/{incident['id']}").text
    assert '<meta http-equiv="refresh"' in page and "Probes are running" in page
    assert "Run probes</button>" not in page


def test_the_open_form_can_start_the_probes_right_away(desk: Desk) -> None:
    browser = login(desk, "ana")
    form = browser.get("/incidents/new")
    assert 'name="probe"' in form.text and "Run probes after opening" in form.text
    opened = browser.post("/incidents", data={"csrf": csrf_of(form.text), "caller": "carol", "callee": "bob",
                                              "probe": "true"})
    assert opened.status_code == 200
    incident_id = int(opened.url.path.rsplit("/", 1)[1])
    assert wait_done(desk, incident_id)["kind"] == "triage"


def test_without_a_server_answers_queue_no_probe_runs(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], ("ana", "met"), ("ana", "none"))  # now at a check: l1.connection_status
    assert desk.api("GET", f"/incidents/{incident['id']}/triage").json()["state"] == "idle"
