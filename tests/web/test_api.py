"""The REST API: incidents end to end, playbooks, reports, and the same JSON as the CLI."""

from __future__ import annotations

import json

from tests.cli_runner import cli
from tests.web.conftest import TO_L2, TO_L3, Desk, first_step


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


def test_the_mine_queue_holds_what_i_own_and_the_unassigned_queue_what_nobody_owns(desk: Desk) -> None:
    mine = desk.open("ana")
    nobodys = desk.open("admin", caller="carol")
    items = desk.api("GET", "/incidents/queues/mine", "ana").json()["items"]
    assert [i["id"] for i in items] == [mine["id"]] and items[0]["assignee"] == "ana"
    assert [i["id"] for i in desk.api("GET", "/incidents/queues/unassigned", "ana").json()["items"]] == [nobodys["id"]]


def test_probe_results_recorded_at_l2_do_not_take_an_escalated_incident_off_the_new_arrivals(desk: Desk) -> None:
    from calltriage.domain.model import ProbeResult, ProbeStatus
    from calltriage.services.incidents import Actor

    incident = desk.open()
    desk.walk(incident["id"], *TO_L2)
    result = ProbeResult("directory.remote_party", ProbeStatus.ERROR, "accounts database unreachable")
    desk.services.incidents.record_probe(incident["id"], "l2.remote_party", result, actor=Actor("calltriage"))
    queue = desk.api("GET", "/incidents/queues/escalated", "ben").json()
    assert [i["id"] for i in queue["items"]] == [incident["id"]]
    taken = desk.api("POST", f"/incidents/{incident['id']}/take", "ben", json={}).json()
    assert taken["assignee"] == "ben"
    assert desk.api("GET", "/incidents/queues/escalated", "ben").json()["items"] == []
    assert [i["id"] for i in desk.api("GET", "/incidents/queues/mine", "ben").json()["items"]] == [incident["id"]]


def test_three_operators_take_assign_and_release_through_the_api(desk: Desk) -> None:
    incident = desk.open("admin")
    iid = incident["id"]
    assert desk.api("POST", f"/incidents/{iid}/take", "ben", json={}).status_code == 403
    assert desk.api("POST", f"/incidents/{iid}/take", "ana", json={}).json()["assignee"] == "ana"
    conflict = desk.api("POST", f"/incidents/{iid}/take", "admin", json={})
    assert conflict.status_code == 409 and "taken by ana" in conflict.json()["error"]["message"]
    bad = desk.api("POST", f"/incidents/{iid}/assign", "ana", json={"operator": "ben"})
    assert bad.status_code == 422 and "ben works at level 2" in bad.json()["error"]["message"]
    assert desk.api("POST", f"/incidents/{iid}/release", "ana", json={}).json()["assignee"] is None
    actions = desk.api("GET", f"/incidents/{iid}/actions", "ana").json()
    assert actions["can_take"] and actions["assignees"] == ["ana"]


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
    response = desk.api("POST", f"/incidents/{incident['id']}/answer", "ben", json=first_step(incident, "met"))
    assert response.status_code == 403
    assert "level 1" in response.json()["error"]["message"]


def test_an_answer_without_the_step_and_revision_seen_is_refused_naming_them(desk: Desk) -> None:
    incident = desk.open()
    for body in ({"outcome": "met"}, {"outcome": "met", "node": "intake.operational_requirements"},
                 {"outcome": "met", "revision": incident["revision"]}):
        response = desk.api("POST", f"/incidents/{incident['id']}/answer", "ana", json=body)
        assert response.status_code == 422, body
        message = response.json()["error"]["message"]
        for missing in {"node", "revision"} - set(body):
            assert f"{missing}: Field required" in message
    assert desk.api("GET", f"/incidents/{incident['id']}", "ana").json()["revision"] == incident["revision"]


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
    escalated = desk.api("POST", f"/incidents/{second}/escalate",
                         json={"request": "server-status-check", "note": "settings are right"}).json()
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
