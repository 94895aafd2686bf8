"""Intake pre-fill from the web against the real lab: the API and the desk ask the server what it
knows about the caller (registration, app version and edition from the User-Agent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.probes.conftest import settings_for
from tests.web.conftest import Desk, csrf_of, login, make_desk

pytestmark = pytest.mark.lab


@pytest.fixture
def lab_desk(sqlite_db_url: str, lab_factory: Callable[..., Any],
             user_agent_factory: Callable[..., Any]) -> Iterator[Desk]:
    lab = lab_factory()
    settings = settings_for(lab)
    bob = user_agent_factory(lab, "bob", user_agent="PrivateGSM/3.4.2 (iOS) Enterprise")
    assert bob.register().code == 200
    made, services = make_desk(sqlite_db_url, server=settings, workers=0)
    with made.client:
        yield made
    services.close()


def test_the_api_prefills_the_intake_from_the_server(lab_desk: Desk) -> None:
    view = lab_desk.api("POST", "/incidents", json={"caller": "bob", "callee": "alice", "intake": {
        "complaint": "cant-call", "prefill": True}}).json()
    assert view["playbook"] == "user-cant-call-enterprise"  # the edition came from the User-Agent
    assert view["intake"]["server"]["registered"] is True
    assert (view["intake"]["app_version"], view["intake"]["edition"]) == ("3.4.2", "enterprise")


def test_the_desk_proposal_shows_and_prefills_what_the_server_knows(lab_desk: Desk) -> None:
    ana = login(lab_desk, "ana")
    proposed = ana.post("/intake", data={"csrf": csrf_of(ana.get("/intake").text), "caller": "bob",
                                         "callee": "alice", "complaint": "cant-call"})
    assert "The server says: bob is registered" in proposed.text
    assert 'name="app_version" maxlength="80" value="3.4.2"' in proposed.text
    assert "user-cant-call-enterprise" in proposed.text
