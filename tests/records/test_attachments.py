"""Client logs attached to incidents: validated and redacted before storage, nothing kept on rejection."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from calltriage.errors import NotFound, UploadRejected
from calltriage.services.attachments import (
    analyze_attachments,
    attach_log,
    get_attachment,
    list_attachments,
    probe_extras,
)
from calltriage.services.context import App
from calltriage.store.models import Attachment, Event
from tests.records.cast import ANA, PLANTED_DIGESTS, PLANTED_PASSWORDS, make_app, open_incident, planted_log

LOG = b"18:06:40.530  pjsua_acc.c  Adding account: id=sip:alice@lab.test\n" * 3


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    app = make_app(db_url)
    yield app
    app.close()


def _counts(app: App) -> tuple[int, int]:
    with app.store.read() as session:
        rows = session.scalar(select(func.count()).select_from(Attachment)) or 0
        events = session.scalar(select(func.count()).select_from(Event)) or 0
    return rows, events


def test_a_text_log_is_stored_redacted_with_an_attached_event_carrying_metadata_only(app: App) -> None:
    incident = open_incident(app)
    view = attach_log(app, incident, "app.log", planted_log(), ANA)
    stored = get_attachment(app.store, view["id"], incident_id=incident)
    for secret in PLANTED_PASSWORDS + PLANTED_DIGESTS:
        assert secret not in stored["content"]
    assert "[REDACTED]" in stored["content"]
    assert view["meta"]["format"] == "text" and view["meta"]["redactions"]["password"] >= 1
    event = app.incidents.get(incident)["events"][-1]
    assert event["kind"] == "attached" and event["actor"] == "ana"
    assert event["data"]["attachment_id"] == view["id"]
    assert {"filename", "size", "sha256", "format", "redactions"} <= set(event["data"])
    assert "content" not in event["data"]
    assert event["data"]["sha256"] == stored["sha256"] and event["data"]["size"] == stored["size"]


def test_a_gzip_log_is_unpacked_and_stored_as_text(app: App) -> None:
    incident = open_incident(app)
    view = attach_log(app, incident, "app.log.gz", gzip.compress(LOG), ANA)
    assert view["meta"]["format"] == "gzip" and view["meta"]["compressed"] is True
    assert get_attachment(app.store, view["id"])["content"] == LOG.decode()
    assert view["size"] == len(LOG)


@pytest.mark.parametrize(("name", "data", "why"), [
    ("core.bin", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "binary"),
    ("app.log", LOG * 1000, "over the"),
    ("logs.zip", b"PK\x03\x04" + b"x" * 100, "ZIP"),
    ("empty.log", b"", "empty"),
])
def test_a_rejected_upload_raises_and_stores_no_row_and_no_event(app: App, name: str, data: bytes,
                                                                  why: str) -> None:
    incident = open_incident(app)
    before = _counts(app)
    revision = app.incidents.get(incident)["revision"]
    with pytest.raises(UploadRejected, match=why):
        attach_log(app, incident, name, data, ANA, max_bytes=10_000)
    assert _counts(app) == before
    assert app.incidents.get(incident)["revision"] == revision


def test_an_unknown_incident_is_not_found_before_the_data_is_read(app: App) -> None:
    read: list[bool] = []

    def data() -> bytes:
        read.append(True)
        return LOG

    with pytest.raises(NotFound, match="calltriage incident list"):
        attach_log(app, 999, "app.log", data, ANA)
    assert read == [] and _counts(app) == (0, 0)


def test_attachments_are_listed_without_their_content(app: App) -> None:
    incident = open_incident(app)
    first = attach_log(app, incident, "one.log", LOG, ANA)
    second = attach_log(app, incident, "two.log", LOG + b"more\n", ANA)
    items = list_attachments(app.store, incident)
    assert [i["id"] for i in items] == [first["id"], second["id"]]
    assert all("content" not in i for i in items)
    with pytest.raises(NotFound, match="calltriage incident attachments"):
        get_attachment(app.store, first["id"], incident_id=incident + 1)


def test_the_latest_log_is_analyzed_into_ranked_causes_with_their_lines(app: App) -> None:
    incident = open_incident(app)
    assert analyze_attachments(app.store, incident) is None and probe_extras(app.store, incident) == {}
    attach_log(app, incident, "old.log", LOG, ANA)
    latest = attach_log(app, incident, "wrong-password.log", planted_log(), ANA)
    result = analyze_attachments(app.store, incident)
    assert result is not None and result["attachment"]["id"] == latest["id"]
    top = result["analysis"]["findings"][0]
    assert top["id"] == "wrong-credentials" and top["evidence"][0]["text"]
    assert probe_extras(app.store, incident)["client_log"]["attachment"]["id"] == latest["id"]
