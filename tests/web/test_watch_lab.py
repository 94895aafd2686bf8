"""Watch again from the API and the desk: a watch that saw nothing leaves the step to the operator,
who watches again (the same service call as `calltriage incident watch`) once the user acted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.web.conftest import Desk, csrf_of, lab_desk_on, login
from tests.web.test_triage_lab import follow

pytestmark = pytest.mark.lab
WAIT = 1.0  # the user does nothing in the first watch: keep it short


@pytest.fixture
def lab(lab_factory: Callable[..., Any]) -> Any:
    return lab_factory()


@pytest.fixture
def lab_desk(sqlite_db_url: str, lab: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    yield from lab_desk_on(sqlite_db_url, lab, monkeypatch, max_wait=WAIT)


def test_a_silent_watch_waits_for_the_operator_who_watches_again_from_the_api_and_the_desk(
        lab_desk: Desk, lab: Any, user_agent_factory: Callable[..., Any]) -> None:
    alice = user_agent_factory(lab, "alice", user_agent="PrivateGSM/3.4.0 (Android)")
    assert alice.register().code == 200
    incident = lab_desk.api("POST", "/triage", json={"caller": "alice", "callee": "bob"}).json()["incident"]
    follow(lab_desk, incident)
    revision = lab_desk.api("GET", f"/incidents/{incident}").json()["revision"]
    answered = lab_desk.api("POST", f"/incidents/{incident}/answer",
                            json={"outcome": "none", "node": "intake.client_error_message", "revision": revision})
    assert answered.status_code == 200, answered.text
    status, _ = follow(lab_desk, incident)  # the user does not act
    assert status["waiting_for"] == "l1.force_reconnection"
    assert status["waiting"]["state"] == "no-evidence-yet"
    step = lab_desk.api("GET", f"/incidents/{incident}/next").json()
    assert step["watch"]["state"] == "no-evidence-yet" and step["watch"]["watched_seconds"] == WAIT
    assert lab_desk.api("GET", f"/incidents/{incident}").json()["status"] == "open"

    browser = login(lab_desk, "ana")
    page = browser.get(f"/incidents/{incident}").text
    assert "No evidence yet." in page and "Watch again" in page

    # the user says they did it now: watch again from the desk
    assert alice.register().code == 200
    response = browser.post(f"/incidents/{incident}/watch", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert response.status_code == 303
    status, _ = follow(lab_desk, incident)
    assert status["probed"][0]["node"] == "l1.force_reconnection" and status["probed"][0]["outcome"] == "ok"
    assert status["waiting_for"] == "l1.test_call" and status["waiting"]["state"] == "no-evidence-yet"

    # and from the API
    assert lab_desk.api("POST", f"/incidents/{incident}/watch").status_code == 202
    status, _ = follow(lab_desk, incident)
    assert status["waiting"]["watch"]["watches"] == 2


def test_watch_again_on_a_step_that_asks_nothing_is_refused(desk: Desk) -> None:
    incident = desk.open()
    response = desk.api("POST", f"/incidents/{incident['id']}/watch")
    assert response.status_code == 422
    assert "asks the user for nothing" in response.json()["error"]["message"]
