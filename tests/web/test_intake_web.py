"""Intake through the API and the desk: the matrix proposes, the operator confirms, the record is kept."""

from __future__ import annotations

from tests.web.conftest import Desk, csrf_of, login


def test_the_api_opens_with_an_intake_routed_by_the_complaint(desk: Desk) -> None:
    body = {"caller": "alice", "callee": "bob", "intake": {
        "complaint": "bad-quality", "definition": "voice is metallic",
        "description": {"what": {"is": "metallic voice", "is_not": "calls drop"}, "where": {"is": "on 3G"}},
        "network_type": "mobile", "app_version": "3.4.0"}}
    response = desk.api("POST", "/incidents", json=body)
    assert response.status_code == 201, response.text
    view = response.json()
    assert (view["playbook"], view["current"], view["complaint"]) == ("call-quality", "cq.quality_indicator",
                                                                      "bad-quality")
    assert view["intake"]["description"]["what"] == {"is": "metallic voice", "is_not": "calls drop"}
    assert view["intake"]["routing"]["confirmed_by"] == "ana"
    chosen = desk.api("POST", "/incidents", json={**body, "playbook": "connection-issues"}).json()
    assert chosen["playbook"] == "connection-issues" and chosen["intake"]["routing"]["proposed"] == "call-quality"
    bad = desk.api("POST", "/incidents", json={**body, "intake": {"complaint": "nope"}})
    assert bad.status_code == 422, bad.text
    assert "unknown complaint 'nope'" in bad.json()["error"]["message"]


def test_the_api_proposes_and_lists_the_matrix(desk: Desk) -> None:
    proposal = desk.api("GET", "/intake/propose", params={"complaint": "cant-call", "edition": "enterprise"}).json()
    assert proposal["playbook"] == "user-cant-call-enterprise"
    assert len(desk.api("GET", "/intake/complaints").json()) >= 14


def test_the_desk_intake_proposes_then_opens_after_the_operator_confirms(desk: Desk) -> None:
    ana = login(desk, "ana")
    form = {"caller": "carol", "callee": "alice", "complaint": "cant-receive", "definition": "nobody reaches me",
            "what_is": "incoming calls never ring", "what_is_not": "outgoing calls", "network_type": "wifi"}
    proposed = ana.post("/intake", data={"csrf": csrf_of(ana.get("/intake").text), **form})
    assert proposed.status_code == 200
    assert "The complaint matrix proposes:" in proposed.text and "user-cant-receive-calls" in proposed.text
    assert desk.api("GET", "/incidents").json()["total"] == 0  # nothing opened before the confirmation
    opened = ana.post("/intake", data={"csrf": csrf_of(proposed.text), **form, "playbook": "user-cant-receive-calls",
                                       "confirmed": "true"})
    assert "Opened incident 1 on user-cant-receive-calls (as proposed)." in opened.text
    view = desk.api("GET", "/incidents/1").json()
    assert view["intake"]["description"]["what"] == {"is": "incoming calls never ring", "is_not": "outgoing calls"}
    assert view["complaint"] == "cant-receive"
