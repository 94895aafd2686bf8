"""Major incidents through the API, the desk and the webhooks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calltriage.services.incidents import Actor
from calltriage.services.webhooks import WebhookSettings
from tests.cli_runner import cli
from tests.majors.test_majors import expired
from tests.web.conftest import Desk, login, make_desk
from tests.web.receiver import Receiver
from tests.web.test_desk import post_form
from tests.web.test_webhooks import wait_for

PROBE = Actor("calltriage")


def grouped(desk: Desk, users: tuple[str, ...] = ("alice", "bob", "carol")) -> list[int]:
    """Connection-issues incidents whose server check found the same expired certificate."""
    ids = []
    for user in users:
        iid = desk.api("POST", "/incidents", json={"caller": user, "callee": "bob",
                                                   "playbook": "connection-issues"}).json()["id"]
        desk.walk(iid, ("ana", "yes"))
        desk.services.incidents.record_probe(iid, "ci.server_reachable", expired(), actor=PROBE)
        ids.append(iid)
    return ids


def test_the_api_lists_shows_and_closes_a_major_incident(desk: Desk) -> None:
    ids = grouped(desk)
    [major] = desk.api("GET", "/majors").json()
    assert major["linked"] == 3 and major["status"] == "open"
    shown = desk.api("GET", f"/majors/{major['id']}").json()
    assert [i["id"] for i in shown["incidents"]] == ids
    assert desk.api("GET", f"/incidents/{ids[0]}").json()["major"] == major["id"]
    refused = desk.api("POST", f"/majors/{major['id']}/close", "ana", json={"note": "renewed"})
    assert refused.status_code == 403
    closed = desk.api("POST", f"/majors/{major['id']}/close", "ben", json={"note": "certificate renewed"}).json()
    assert closed["status"] == "closed" and {i["status"] for i in closed["incidents"]} == {"closed"}
    assert desk.api("GET", "/majors?status=open").json() == []
    assert desk.api("GET", "/majors/999").status_code == 404


def test_the_desk_shows_the_major_incident_on_each_incident_and_in_its_view(desk: Desk) -> None:
    ids = grouped(desk)
    major = desk.api("GET", "/majors").json()[0]["id"]
    ana = login(desk, "ana")
    page = ana.get(f"/incidents/{ids[1]}").text
    assert f'<a href="/majors/{major}">major incident M{major}</a>' in page
    listing = ana.get("/majors").text
    assert f'href="/majors/{major}">M{major}</a>' in listing and "expired server certificate" in listing
    assert "Close the major incident" not in ana.get(f"/majors/{major}").text  # L1 may not close it
    ben = login(desk, "ben")
    done = post_form(ben, f"/majors/{major}", f"/majors/{major}/close",
                     {"resolution": "server-fault", "category": "server", "note": "renewed"})
    assert f"Major incident {major} closed; 3 linked incident(s) closed with server-fault." in done.text
    assert desk.api("GET", f"/incidents/{ids[2]}").json()["status"] == "closed"


def test_the_cli_lists_shows_and_closes_major_incidents(db_url: str, desk: Desk) -> None:
    ids = grouped(desk)
    listed = cli("major", "list", "--json", db=db_url).json()
    assert [m["linked"] for m in listed] == [3]
    major = listed[0]["id"]
    assert "expired server certificate" in cli("major", "show", str(major), db=db_url).out
    closed = cli("major", "close", str(major), "--note", "renewed", "--as", "admin", "--json", db=db_url).json()
    assert closed["status"] == "closed"
    assert all(desk.api("GET", f"/incidents/{i}").json()["resolution"] == "server-fault" for i in ids)
    again = cli("major", "close", str(major), "--as", "admin", db=db_url)
    assert again.code == 1 and "already closed" in again.err


@pytest.fixture
def hooked(db_url: str) -> Iterator[tuple[Desk, Receiver]]:
    receiver = Receiver().start()
    settings = WebhookSettings(urls=(receiver.url,), secret="s", max_attempts=3, backoff=0.05, poll=0.02)
    made, services = make_desk(db_url, hooks=settings)
    made.app.state.ct.webhooks.collect()
    with made.client:
        yield made, receiver
    services.close()
    receiver.stop()


def test_linking_and_closing_notify_through_the_webhooks(hooked: tuple[Desk, Receiver]) -> None:
    desk, receiver = hooked
    ids = grouped(desk)
    desk.app.state.ct.dispatcher.poke()
    major = desk.api("GET", "/majors").json()[0]["id"]

    def major_events() -> list[dict]:  # type: ignore[type-arg]
        return [r.json for r in receiver.received if r.headers["X-Calltriage-Event"] == "incident.major"]

    wait_for(lambda: len(major_events()) == 3, "three incident.major deliveries")
    assert sorted(e["incident"]["id"] for e in major_events()) == ids
    assert {e["data"]["major"] for e in major_events()} == {major}
    desk.api("POST", f"/majors/{major}/close", "ben", json={"note": "renewed"})
    wait_for(lambda: sum(r.headers["X-Calltriage-Event"] == "incident.closed" for r in receiver.received) == 3,
             "three incident.closed deliveries")
