"""Fixtures of the web tests: a desk on a fresh database (``db_url``: SQLite and PostgreSQL) with
the cast ana (L1), ben (L2), cy (L3), admin, and dora (L1, disabled), each with an API token."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from calltriage.config import ServerSettings
from calltriage.services.context import App, build_app
from calltriage.services.jobs import TriageJobs
from calltriage.services.operators import OperatorService
from calltriage.services.webhooks import WebhookService, WebhookSettings
from calltriage.web.app import create_app
from calltriage.web.settings import WebSettings
from tests.cast import CAST, TO_REMOTE_PARTY_CHECK, TO_SUSPECTED_CLIENT_BUG, by_level

with warnings.catch_warnings():
    # Starlette 1.x warns that its TestClient prefers httpx2 over httpx; httpx is what we pin.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery"
# Cheap argon2 parameters: the production defaults cost ~0.2 s per hash.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SECRET = "test-secret-key-0123456789abcdef"


@dataclass
class Desk:
    app: FastAPI
    services: App
    operators: OperatorService
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def api(self, method: str, path: str, who: str = "ana", **kwargs: Any) -> Any:
        return self.client.request(method, f"/api/v1{path}", headers=self.auth(who), **kwargs)

    def open(self, who: str = "ana", caller: str = "alice", callee: str = "bob") -> dict[str, Any]:
        response = self.api("POST", "/incidents", who, json={"caller": caller, "callee": callee})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def walk(self, incident_id: int, *answers: tuple[str, str]) -> dict[str, Any]:
        view: dict[str, Any] = {}
        for who, outcome in answers:
            view = self.answer(incident_id, outcome, who)
        return view

    def answer(self, incident_id: int, outcome: str, who: str = "ana", **extra: Any) -> dict[str, Any]:
        """Answer the step the incident is at now (its ``current`` node and ``revision``)."""
        seen = self.api("GET", f"/incidents/{incident_id}", who).json()
        body = {"outcome": outcome, "node": seen["current"], "revision": seen["revision"], **extra}
        response = self.api("POST", f"/incidents/{incident_id}/answer", who, json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())


def first_step(incident: dict[str, Any], outcome: str) -> dict[str, Any]:
    """An API answer to a new incident's first step, as the client saw it."""
    return {"outcome": outcome, "node": "intake.operational_requirements", "revision": incident["revision"]}


# From the first step to the L2 entry of "remote-party-check" (the other party is registered),
# then on to L3: ana answers at L1, ben at L2.
TO_L2 = by_level(TO_REMOTE_PARTY_CHECK, "ana")
TO_L3 = by_level(TO_SUSPECTED_CLIENT_BUG, "ana", "ben")


def make_desk(db_url: str, *, hooks: WebhookSettings | None = None, server: ServerSettings | None = None,
              max_wait: float | None = None, workers: int = 4) -> tuple[Desk, App]:
    """A desk with probe jobs against ``server`` (None: no SIP server configured; workers=0: jobs stay
    queued). A second desk on the same database (another `serve` process) finds the cast there."""
    services = build_app(db_url)
    operators = OperatorService(services.store, hasher=FAST_HASHER)
    tokens = {}
    known = {op.name for op in operators.all()}
    for name, role in CAST:
        if name not in known:
            operators.add(name, role, PASSWORD)
            tokens[name] = operators.issue_token(name, "tests")[0]
    operators.set_disabled("dora")
    settings = WebSettings(secret_key=SECRET, webhooks=hooks or WebhookSettings())
    webhooks = WebhookService(services.store, settings.webhooks)
    jobs = TriageJobs(services.incidents, server, max_wait=max_wait, workers=workers)
    app = create_app(services, settings, webhooks=webhooks, operators=operators, jobs=jobs)
    client = TestClient(app, base_url="http://testserver")
    return Desk(app, services, operators, client, tokens), services


def lab_desk_on(db_url: str, lab: Any, monkeypatch: pytest.MonkeyPatch, max_wait: float) -> Iterator[Desk]:
    """A desk whose probes talk to ``lab`` through the config file the lab writes, read from
    CALLTRIAGE_CONFIG exactly as `calltriage serve` reads it (a fixture body: yields once)."""
    from calltriage.settings import Settings
    from tests.probes.conftest import settings_for

    source = settings_for(lab).source
    assert source is not None
    monkeypatch.setenv("CALLTRIAGE_CONFIG", source)
    server = Settings.from_environment({"CALLTRIAGE_CONFIG": source}).server_settings()
    made, services = make_desk(db_url, server=server, max_wait=max_wait)
    with made.client:
        yield made
    services.close()


@pytest.fixture
def desk(db_url: str) -> Iterator[Desk]:
    made, services = make_desk(db_url)
    with made.client:
        yield made
    services.close()


def login(desk: Desk, name: str, password: str = PASSWORD) -> TestClient:
    """A browser of its own (cookies) logged in as ``name``."""
    client = TestClient(desk.app, base_url="http://testserver")
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text),
                                           "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


# The browser tests' fixtures (a served desk, Chromium, logged-in pages), available to every web test.
from tests.web.browser import chromium, operator, served  # noqa: E402, F401
