"""Webhooks on escalation and close: signed, retried with back-off, never in the operator's way."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from calltriage.services.webhooks import SIGNATURE_HEADER, WebhookSettings, sign, verify
from tests.cast import ANA
from tests.web.conftest import TO_L2, TO_L3, Desk, login, make_desk
from tests.web.receiver import Receiver

SECRET = "webhook-secret-for-tests"


def wait_for(condition: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def hooked(db_url: str, receiver: Receiver) -> Iterator[Desk]:
    settings = WebhookSettings(urls=(receiver.url,), secret=SECRET, max_attempts=3, backoff=0.05, poll=0.02,
                               timeout=5.0)
    made, services = make_desk(db_url, hooks=settings)
    made.app.state.ct.webhooks.collect()  # place the cursor before the test's first event
    with made.client:
        yield made
    services.close()


def test_an_escalation_and_a_close_are_posted_with_a_valid_signature(hooked: Desk, receiver: Receiver) -> None:
    incident = hooked.open()
    hooked.walk(incident["id"], *TO_L3, ("cy", "bug-confirmed"))
    wait_for(lambda: len(receiver.received) == 3, "three deliveries")
    kinds = [r.headers["X-Calltriage-Event"] for r in receiver.received]
    assert kinds == ["incident.escalated", "incident.escalated", "incident.closed"]
    for got in receiver.received:
        assert verify(SECRET, got.headers["X-Calltriage-Timestamp"], got.body, got.headers[SIGNATURE_HEADER])
        assert got.json["incident"]["id"] == incident["id"]
    assert [r.json["data"].get("to_level") for r in receiver.received[:2]] == [2, 3]
    assert receiver.received[2].json["incident"]["resolution"] == "client-bug"


def test_a_failing_receiver_is_retried_until_it_accepts(hooked: Desk, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    incident = hooked.open()
    hooked.walk(incident["id"], *TO_L2)
    wait_for(lambda: receiver.received, "the delivery after two failures")
    delivered = hooked.api("GET", "/webhooks/deliveries", "admin", params={"status": "delivered"}).json()
    assert [(d["attempts"], d["last_status"], d["kind"]) for d in delivered] == [(3, 200, "incident.escalated")]


def test_a_delivery_that_keeps_failing_is_shown_to_admins_and_can_be_retried(hooked: Desk,
                                                                              receiver: Receiver) -> None:
    receiver.statuses = [500, 500, 500]
    incident = hooked.open()
    hooked.walk(incident["id"], *TO_L2)
    ct = hooked.app.state.ct
    wait_for(lambda: ct.webhooks.failure_count() == 1, "the delivery to be given up")
    failed = hooked.api("GET", "/webhooks/deliveries", "admin", params={"status": "failed"}).json()
    assert failed[0]["attempts"] == 3 and "HTTP 500" in failed[0]["last_error"]
    page = login(hooked, "admin").get("/admin").text
    assert "Failed deliveries" in page and "receiver answered HTTP 500" in page
    assert hooked.api("POST", f"/webhooks/deliveries/{failed[0]['id']}/retry", "admin").status_code == 200
    wait_for(lambda: receiver.received, "the retried delivery")


def test_the_operator_never_waits_for_a_slow_receiver(hooked: Desk, receiver: Receiver) -> None:
    receiver.hold = threading.Event()
    incident = hooked.open()
    view = hooked.walk(incident["id"], *TO_L2)  # returns while the receiver still holds the request
    assert view["level"] == 2
    wait_for(lambda: receiver.arrived, "the delivery to reach the (held) receiver")
    assert receiver.received == []
    receiver.hold.set()
    wait_for(lambda: receiver.received, "the delivery once the receiver answers")


def test_changes_made_outside_the_web_notify_too(hooked: Desk, receiver: Receiver) -> None:
    # The CLI calls the services directly; the dispatcher reads the shared timeline.
    incidents = hooked.services.incidents
    view = incidents.open(playbook_id="user-cant-call-professional", caller="a", callee="b", actor=ANA)
    incidents.escalate(view["id"], "server-status-check", actor=ANA, note="server check")
    hooked.app.state.ct.dispatcher.poke()
    wait_for(lambda: receiver.received, "the escalation made through the services")
    assert receiver.received[0].json["event"] == "incident.escalated"


def test_the_database_never_holds_a_webhook_url_with_its_secret(db_url: str, receiver: Receiver) -> None:
    chat_url = receiver.url.rstrip("/") + "/services/T0001/B0002/Sl4ckS3cretT0ken"
    settings = WebhookSettings(urls=(chat_url,), secret=SECRET, max_attempts=3, backoff=0.05, poll=0.02)
    made, services = make_desk(db_url, hooks=settings)
    made.app.state.ct.webhooks.collect()
    with made.client:
        incident = made.open()
        made.walk(incident["id"], *TO_L2)
        wait_for(lambda: receiver.received, "the delivery to the chat URL")
    services.close()
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = [" ".join(str(v) for v in row) for row in conn.execute(text("SELECT * FROM webhook_deliveries"))]
    engine.dispose()
    assert rows and not any("Sl4ckS3cretT0ken" in row for row in rows)
    assert "/hooks/…" in rows[0]  # shortened for display: host and first path segment


def test_a_signature_is_refused_when_its_timestamp_is_old_or_forged() -> None:
    body = b'{"event":"incident.closed"}'
    now = 1_900_000_000
    good = sign(SECRET, str(now), body)
    assert verify(SECRET, str(now), body, good, now=now + 60)
    assert not verify(SECRET, str(now), body, good, now=now + 3600)  # a replay an hour later
    assert not verify(SECRET, str(now + 3600), body, good, now=now + 3600)  # timestamp swapped
    assert not verify(SECRET, "soon", body, good, now=now)
