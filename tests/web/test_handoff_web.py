"""Handoffs continue through the API and the desk: the same incident, the target's steps, both graphs."""

from __future__ import annotations

from tests.web.conftest import Desk, login
from tests.web.test_desk import post_form

TO_CONNECTION_ISSUES = (("ana", "met"), ("ana", "none"), ("ana", "disconnected"), ("ana", "failed"))


def test_the_api_continues_a_handed_off_incident_in_the_target(desk: Desk) -> None:
    iid = desk.open()["id"]
    moved = desk.walk(iid, *TO_CONNECTION_ISSUES)
    assert (moved["status"], moved["playbook"], moved["current"]) == ("open", "connection-issues",
                                                                      "ci.device_internet")
    step = desk.api("GET", f"/incidents/{iid}/next").json()
    assert (step["playbook"], step["node"]) == ("connection-issues", "ci.device_internet")
    # the target's own escalation entries work
    up = desk.api("POST", f"/incidents/{iid}/escalate", json={"request": "server-status-check",
                                                               "note": "settings and network are fine"}).json()
    assert (up["level"], up["current"]) == (2, "l2.server_services")
    done = desk.walk(iid, ("ben", "fault"))
    assert (done["status"], done["resolution"]) == ("closed", "server-fault")
    assert [p["playbook"] for p in done["playbooks"]] == ["user-cant-call-professional", "connection-issues"]
    drawn = desk.api("GET", f"/playbooks/connection-issues/render?format=dot&incident={iid}").json()
    assert '"0:handoff.connection_issues" -> "1:ci.device_internet"' in drawn["text"]
    assert drawn["playbooks"] == done["playbooks"]


def test_an_api_override_reaches_back_into_the_first_playbook(desk: Desk) -> None:
    iid = desk.open()["id"]
    desk.walk(iid, *TO_CONNECTION_ISSUES, ("ana", "yes"))
    view = desk.api("POST", f"/incidents/{iid}/override", json={
        "node": "l1.force_reconnection", "outcome": "ok", "reason": "the app did reconnect"}).json()
    assert (view["playbook"], view["current"]) == ("user-cant-call-professional", "l1.test_call")
    assert view["status"] == "open" and len(view["playbooks"]) == 1


def test_the_desk_shows_both_playbooks_and_answers_the_targets_steps(desk: Desk) -> None:
    iid = desk.open()["id"]
    url = f"/incidents/{iid}"
    ana = login(desk, "ana")
    desk.walk(iid, *TO_CONNECTION_ISSUES[:3])
    moved = post_form(ana, url, f"{url}/answer", {"outcome": "failed", "node": "l1.force_reconnection",
                                                  "confirm": "yes"})
    assert "Handed off to connection-issues: the incident continues at ci.device_internet." in moved.text
    page = ana.get(url).text
    assert "Playbooks walked:" in page and "Connection issues" in page
    assert "Does the device have internet access" in page  # the target's step, on the same incident
    # earlier steps of both playbooks can be re-answered from the override form
    assert 'value="intake.client_error_message::license"' in page
    answered = post_form(ana, url, f"{url}/answer", {"outcome": "yes", "node": "ci.device_internet"})
    assert "Answered: yes. Now at L1." in answered.text
    assert desk.api("GET", url).json()["current"] == "ci.server_reachable"


def test_the_desk_draws_both_playbooks_with_the_handoff_between_them(desk: Desk) -> None:
    from tests.support import require_executable

    require_executable("dot")
    iid = desk.open()["id"]
    desk.walk(iid, *TO_CONNECTION_ISSUES)
    page = login(desk, "ana").get(f"/incidents/{iid}").text
    assert "<title>cluster_0</title>" in page and "<title>cluster_1</title>" in page
    assert "<title>0:handoff.connection_issues&#45;&gt;1:ci.device_internet</title>" in page
