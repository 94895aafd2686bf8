"""The REST API: incidents end to end, playbooks, reports, and the same JSON as the CLI."""

from __future__ import annotations

import json

from tests.cli_runner import cli
from tests.web.conftest import TO_L2, TO_L3, Desk


def test_an_incident_opened_through_the_api_starts_at_the_first_step(desk: Desk) -> None:
    response = desk.api("POST", "/incidents", json={"caller": "alice", "callee": "bob", "summary": "no calls"})
    assert response.status_code == 201
    view = response.json()
    assert response.headers["location"] == f"/api/v1/incidents/{view['id']}"
    assert view["current"] == "intake.operational_requirements"
    assert view["reporter"] == "ana"
    assert [e["kind"] for e in view["events"]] == ["opened"]


def test_the_incident_json_is_the_same_as_the_clis_show_json(desk: Desk, db_url: str) -> None:
    incident = desk.open()
    desk.walk(incident["id"], ("ana", "met"), ("ana", "none"))
    api = desk.api("GET", f"/incidents/{incident['id']}").json()
    shown = cli("incident", "show", str(incident["id"]), "--json", db=db_url)
    assert api == json.loads(shown.out)


def test_next_gives_the_step_with_choices_and_labels(desk: Desk) -> None:
    incident = desk.open()
    step = desk.api("GET", f"/incidents/{incident['id']}/next").json()
    assert step["node"] == "intake.operational_requirements"
    assert step["choices"] == ["violated", "met"]
    assert step["labels"]["met"]


def test_an_l1_operator_walks_to_an_escalation_that_lands_in_the_l2_queue(desk: Desk) -> None:
    incident = desk.open()
    view = desk.walk(incident["id"], *TO_L2)
    assert view["level"] == 2 and view["current"] == "l2.remote_party"
    queue = desk.api("GET", "/incidents/queues/escalated", "ben").json()
    assert [i["id"] for i in queue["items"]] == [incident["id"]]
    assert desk.api("GET", "/incidents/queues/open", "ana").json()["total"] == 0


def test_the_waiting_for_me_queue_holds_what_i_touched_at_my_level(desk: Desk) -> None:
    mine = desk.open("ana")
    desk.open("admin", caller="carol")
    items = desk.api("GET", "/incidents/queues/mine", "ana").json()["items"]
    assert [i["id"] for i in items] == [mine["id"]]


def test_an_escalated_incident_leaves_the_new_arrivals_once_l2_answers(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2)
    desk.walk(incident["id"], ("ben", "no-conflict"))
    assert desk.api("GET", "/incidents/queues/escalated", "ben").json()["items"] == []
    assert [i["id"] for i in desk.api("GET", "/incidents/queues/mine", "ben").json()["items"]] == [incident["id"]]


def test_l1_l2_and_l3_take_an_incident_to_a_close(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L3)
    view = desk.walk(incident["id"], ("cy", "bug-confirmed"))
    assert view["status"] == "closed" and view["resolution"] == "client-bug"
    closed = desk.api("GET", "/incidents/queues/closed", "cy").json()["items"]
    assert [i["id"] for i in closed] == [incident["id"]]


def test_an_operator_cannot_answer_a_step_of_another_level(desk: Desk) -> None:
    incident = desk.open()
    response = desk.api("POST", f"/incidents/{incident['id']}/answer", "ben", json={"outcome": "met"})
    assert response.status_code == 403
    assert "level 1" in response.json()["error"]["message"]


def test_a_second_answer_to_the_same_step_is_a_conflict_naming_who_answered(desk: Desk) -> None:
    incident = desk.open()
    body = {"outcome": "met", "node": "intake.operational_requirements", "revision": incident["revision"]}
    assert desk.api("POST", f"/incidents/{incident['id']}/answer", "ana", json=body).status_code == 200
    again = desk.api("POST", f"/incidents/{incident['id']}/answer", "admin", json={**body, "outcome": "violated"})
    assert again.status_code == 409
    assert "already answered by ana" in again.json()["error"]["message"]


def test_override_note_escalate_and_close_by_hand(desk: Desk) -> None:
    incident = desk.open()
    iid = incident["id"]
    desk.walk(iid, ("ana", "met"), ("ana", "none"))
    overridden = desk.api("POST", f"/incidents/{iid}/override", json={
        "node": "intake.client_error_message", "outcome": "license", "reason": "user sent a screenshot"}).json()
    # the handoff continues the same incident in the licence procedure
    assert overridden["status"] == "open" and overridden["handoff"] == "license-problem"
    assert (overridden["playbook"], overridden["current"]) == ("license-problem", "lp.account")

    second = desk.open()["id"]
    noted = desk.api("POST", f"/incidents/{second}/notes", json={"text": "user is travelling"}).json()
    assert noted["events"][-1]["kind"] == "note"
    escalated = desk.api("POST", f"/incidents/{second}/escalate", json={"request": "server-status-check"}).json()
    assert escalated["level"] == 2 and escalated["current"] == "l2.server_network"
    closed = desk.api("POST", f"/incidents/{second}/close", "ben", json={"resolution": "server-fault"}).json()
    assert closed["status"] == "closed" and closed["resolution"] == "server-fault"


def test_the_list_filters_and_pages(desk: Desk) -> None:
    ids = [desk.open(caller=f"user{n}")["id"] for n in range(3)]
    desk.walk(ids[0], *TO_L2)
    page = desk.api("GET", "/incidents", params={"limit": 2, "offset": 0}).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [ids[2], ids[1]]
    assert [i["id"] for i in desk.api("GET", "/incidents", params={"level": 2}).json()["items"]] == [ids[0]]
    assert [i["id"] for i in desk.api("GET", "/incidents", params={"q": "user1"}).json()["items"]] == [ids[1]]


def test_playbooks_are_listed_shown_and_rendered_with_an_incidents_path(desk: Desk) -> None:
    listed = desk.api("GET", "/playbooks").json()
    assert "user-cant-call-professional" in [p["id"] for p in listed]
    shown = desk.api("GET", "/playbooks/user-cant-call-professional").json()
    assert shown["entries"]["remote-party-check"] == "l2.remote_party"
    incident = desk.open()
    drawn = desk.api("GET", "/playbooks/user-cant-call-professional/render",
                     params={"format": "dot", "incident": incident["id"]}).json()
    assert drawn["path"] == ["intake.operational_requirements"] and drawn["text"].startswith("digraph")
    svg = desk.api("GET", "/playbooks/user-cant-call-professional/render", params={"format": "svg"}).json()
    assert "<svg" in svg["text"]


def test_the_report_counts_closes_and_escalations(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L3, ("cy", "bug-confirmed"))
    report = desk.api("GET", "/reports/summary").json()
    assert report["incidents"]["by_status"]["closed"] == 1
    assert [e["to_level"] for e in report["escalations"]["by_level"]] == [2, 3]
    assert {"resolutions", "categories", "seed_split", "time_per_level", "nodes"} <= set(report)


def test_me_tells_the_token_owner_and_level(desk: Desk) -> None:
    assert desk.api("GET", "/me", "ben").json() == {**desk.api("GET", "/me", "ben").json(), "name": "ben",
                                                      "role": "L2", "level": 2}
    assert desk.api("GET", "/me", "admin").json()["level"] is None
