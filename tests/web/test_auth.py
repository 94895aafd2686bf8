"""Authentication and role checks for every route: API tokens, desk sessions, CSRF, expiry."""

from __future__ import annotations

import re

import itsdangerous
import pytest
from fastapi.routing import APIRoute

from calltriage.web.desk import actions, admin, auth, incident, queues, records, reports
from tests.web.conftest import TO_L2, Desk, csrf_of, login


def api_routes(desk: Desk) -> list[tuple[str, str]]:
    """Every documented API operation, with sample path parameters."""
    spec = desk.client.get("/api/v1/openapi.json").json()
    routes = []
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "1", path).replace("/queues/1", "/queues/open")
        routes.extend((method.upper(), concrete) for method in operations)
    return routes


def desk_routes() -> list[tuple[str, str]]:
    routes = []
    for router in (auth.router, queues.router, records.router, records.posts, incident.router, actions.actions,
                   reports.router, admin.router):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if route.path.startswith("/login"):
                continue
            path = re.sub(r"\{[^}]+\}", "1", route.path).replace("/queue/1", "/queue/open")
            routes.extend((method, path) for method in sorted(route.methods))
    return routes


def test_every_api_route_refuses_a_request_without_a_token(desk: Desk) -> None:
    routes = api_routes(desk)
    assert len(routes) >= 15
    for method, path in routes:
        response = desk.client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)


@pytest.mark.parametrize("token", ["ct_not-a-real-token", "Bearer-less", ""])
def test_every_api_route_refuses_a_wrong_token(desk: Desk, token: str) -> None:
    for method, path in api_routes(desk):
        response = desk.client.request(method, path, json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, (method, path)


def test_a_disabled_operators_token_stops_working(desk: Desk) -> None:
    for method, path in api_routes(desk):
        response = desk.client.request(method, path, json={}, headers=desk.auth("dora"))
        assert response.status_code == 401, (method, path)
    assert desk.api("GET", "/me", "ana").status_code == 200
    desk.operators.set_disabled("ana")
    assert desk.api("GET", "/me", "ana").status_code == 401


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/operators"), ("GET", "/webhooks/deliveries"), ("POST", "/webhooks/deliveries/1/retry")])
def test_admin_api_routes_are_for_admins_only(desk: Desk, method: str, path: str) -> None:
    for who in ("ana", "ben", "cy"):
        assert desk.api(method, path, who).status_code == 403, who
    assert desk.api(method, path, "admin").status_code in (200, 404)


@pytest.mark.parametrize(("action", "body"), [
    ("answer", {"outcome": "no-conflict", "node": "l2.remote_party"}),
    ("escalate", {"request": "suspected-client-bug", "note": "client bug?"}),
    ("close", {"resolution": "remote-party-conflict"}),
])
def test_changing_an_incident_needs_its_level_or_admin(desk: Desk, action: str, body: dict[str, str]) -> None:
    incident = desk.open()
    seen = desk.walk(incident["id"], *TO_L2)
    body = {**body, "revision": seen["revision"]} if action == "answer" else body
    for who in ("ana", "cy"):
        response = desk.api("POST", f"/incidents/{incident['id']}/{action}", who, json=body)
        assert response.status_code == 403, (who, response.text)
    assert desk.api("POST", f"/incidents/{incident['id']}/{action}", "admin", json=body).status_code == 200


def test_overriding_a_verdict_needs_the_level_of_that_step_or_admin(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2, ("ben", "no-conflict"))
    body = {"node": "l2.remote_party", "outcome": "conflict-found", "reason": "found a duplicate number"}
    for who in ("ana", "cy"):
        response = desk.api("POST", f"/incidents/{incident['id']}/override", who, json=body)
        assert response.status_code == 403, who
    assert desk.api("POST", f"/incidents/{incident['id']}/override", "ben", json=body).status_code == 200


def test_the_level_that_owns_the_incident_may_override_an_earlier_levels_verdict(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2)
    body = {"node": "l1.other_party_registered", "outcome": "no", "reason": "callee's phone was off after all"}
    assert desk.api("POST", f"/incidents/{incident['id']}/override", "cy", json=body).status_code == 403
    view = desk.api("POST", f"/incidents/{incident['id']}/override", "ben", json=body).json()
    assert (view["status"], view["resolution"], view["level"]) == ("closed", "not-an-issue", 1)
    moved = [e for e in view["events"] if e["kind"] == "level-changed"]
    assert [(e["data"]["from_level"], e["data"]["to_level"]) for e in moved] == [(2, 1)]
    assert {e["node"] for e in view["events"] if e["superseded"]} >= {"l1.other_party_registered",
                                                                     "escalate.remote_party_check"}


def test_an_l1_operator_cannot_override_an_l2_incident_nor_reopen_what_l3_closed(desk: Desk) -> None:
    incident = desk.open()
    iid = incident["id"]
    desk.walk(iid, *TO_L2)
    body = {"node": "l1.other_party_registered", "outcome": "no", "reason": "I think the phone was off"}
    refused = desk.api("POST", f"/incidents/{iid}/override", "ana", json=body)
    assert refused.status_code == 403 and "owned by level 2" in refused.json()["error"]["message"]
    desk.walk(iid, ("ben", "no-conflict"), ("ben", "collected"), ("cy", "bug-confirmed"))
    closed = desk.api("POST", f"/incidents/{iid}/override", "ana", json=body)
    assert closed.status_code == 422 and "reopen it" in closed.json()["error"]["message"]
    reopen = desk.api("POST", f"/incidents/{iid}/reopen", "ana", json={"reason": "user called again"})
    assert reopen.status_code == 403 and "closed at level 3" in reopen.json()["error"]["message"]
    assert desk.api("GET", f"/incidents/{iid}", "ana").json()["status"] == "closed"


def test_notes_and_reading_are_open_to_every_level(desk: Desk) -> None:
    incident = desk.open()
    for who in ("ana", "ben", "cy", "admin"):
        assert desk.api("GET", f"/incidents/{incident['id']}", who).status_code == 200
        assert desk.api("POST", f"/incidents/{incident['id']}/notes", who, json={"text": who}).status_code == 200


def test_every_desk_page_sends_a_visitor_without_a_session_to_the_login(desk: Desk) -> None:
    routes = desk_routes()
    assert len(routes) >= 12
    for method, path in routes:
        response = desk.client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next=")
        else:  # a form post without session also lacks the CSRF token: refused before anything else
            assert response.status_code in (303, 403), (method, path)


def test_every_desk_form_refuses_a_post_without_the_csrf_token(desk: Desk) -> None:
    browser = login(desk, "admin")
    for method, path in desk_routes():
        if method == "POST":
            response = browser.post(path, data={"csrf": "forged"}, follow_redirects=False)
            assert response.status_code == 403, path
            assert "reload the page" in response.text


def test_the_login_refuses_a_wrong_password_and_a_disabled_operator(desk: Desk) -> None:
    for name, password in (("ana", "wrong password"), ("nobody", "wrong password"), ("dora", None)):
        page = desk.client.get("/login")
        response = desk.client.post("/login", data={"name": name, "password": password or "correct horse battery",
                                                    "csrf": csrf_of(page.text)}, follow_redirects=False)
        assert response.status_code == 401
        assert "ct_session" not in response.headers.get("set-cookie", "")


def test_the_admin_page_is_for_admins(desk: Desk) -> None:
    assert login(desk, "ana").get("/admin").status_code == 403
    assert login(desk, "admin").get("/admin").status_code == 200


def test_a_session_expires(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    real = itsdangerous.TimestampSigner.get_timestamp
    # Sign the session cookie nine hours ago: the default session lasts eight.
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: real(self) - 9 * 3600)
    browser = login(desk, "ana")
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", real)
    response = browser.get("/queue/open", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_disabling_an_operator_ends_their_sessions(desk: Desk) -> None:
    browser = login(desk, "ana")
    assert browser.get("/queue/open", follow_redirects=False).status_code == 200
    desk.operators.set_disabled("ana")
    assert browser.get("/queue/open", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(desk: Desk) -> None:
    browser = login(desk, "ana")
    page = browser.get("/queue/open")
    browser.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert browser.get("/queue/open", follow_redirects=False).status_code == 303


def test_the_login_never_redirects_to_another_site(desk: Desk) -> None:
    page = desk.client.get("/login")
    response = desk.client.post("/login", data={"name": "ana", "password": "correct horse battery",
                                                "csrf": csrf_of(page.text), "next": "//evil.example/"},
                                follow_redirects=False)
    assert response.headers["location"] == "/"


def test_tokens_and_passwords_are_stored_only_as_hashes(desk: Desk) -> None:
    from sqlalchemy import text

    with desk.services.store.read() as session:
        stored = " ".join(str(v) for row in session.execute(text("SELECT * FROM api_tokens")) for v in row)
        stored += " ".join(str(v) for row in session.execute(text("SELECT * FROM operators")) for v in row)
    assert desk.tokens["ana"] not in stored and desk.tokens["ana"][10:30] not in stored
    assert "correct horse battery" not in stored
