"""Every API error has one JSON shape; the desk answers errors with HTML pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Desk, first_step


def assert_error_shape(body: Any, status: int, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "status"}
    assert body["error"]["status"] == status
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), [
    ("GET", "/incidents/424242", {}, 404, "not-found"),
    ("GET", "/no-such-endpoint", {}, 404, "not-found"),
    ("DELETE", "/incidents", {}, 405, "method-not-allowed"),
    ("POST", "/incidents", {"json": {"caller": "alice"}}, 422, "validation"),
    ("POST", "/incidents", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}, 422,
     "validation"),
    ("GET", "/incidents", {"params": {"limit": 0}}, 422, "validation"),
    ("GET", "/playbooks/no-such-playbook", {}, 404, "not-found"),
])
def test_api_errors_share_one_json_shape(desk: Desk, method: str, path: str, kwargs: dict[str, Any], status: int,
                                         code: str) -> None:
    headers = {**desk.auth("ana"), **kwargs.pop("headers", {})}
    response = desk.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert_error_shape(response.json(), status, code)


def test_a_missing_token_is_401_with_the_same_shape_and_a_bearer_challenge(desk: Desk) -> None:
    response = desk.client.get("/api/v1/incidents")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error_shape(response.json(), 401, "unauthorized")


def test_a_conflict_and_a_forbidden_answer_have_the_same_shape(desk: Desk) -> None:
    incident = desk.open()
    forbidden = desk.api("POST", f"/incidents/{incident['id']}/answer", "cy", json=first_step(incident, "met"))
    assert_error_shape(forbidden.json(), 403, "forbidden")
    desk.walk(incident["id"], ("ana", "met"))
    late = desk.api("POST", f"/incidents/{incident['id']}/answer", "ana",
                    json=first_step(incident, "met"))
    assert_error_shape(late.json(), 409, "conflict")


def test_an_invalid_answer_names_the_valid_choices(desk: Desk) -> None:
    incident = desk.open()
    response = desk.api("POST", f"/incidents/{incident['id']}/answer", json=first_step(incident, "perhaps"))
    assert_error_shape(response.json(), 422, "invalid-answer")
    assert "violated, met" in response.json()["error"]["message"]


def test_nul_bytes_are_refused_as_validation_errors_not_database_errors(desk: Desk) -> None:
    response = desk.api("POST", "/incidents", json={"caller": "ali\x00ce", "callee": "bob"})
    assert_error_shape(response.json(), 422, "validation")


def test_the_desk_shows_html_error_pages(desk: Desk) -> None:
    from tests.web.conftest import login

    browser = login(desk, "ana")
    response = browser.get("/incidents/424242")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no incident 424242" in response.text
    assert browser.get("/nowhere").status_code == 404
