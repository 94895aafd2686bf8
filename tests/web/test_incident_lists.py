"""Incident lists have one read path: the API's list and queues, `incident list --json` and the
desk's queue page show the same incidents with the same fields, and the queue page reads its rows
in one query."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from calltriage.services.models import IncidentRow
from tests.cli_runner import cli
from tests.web.conftest import TO_L2, Desk, login

ROW_FIELDS = {name for name, f in IncidentRow.model_fields.items() if not f.exclude}


def _cast(desk: Desk) -> list[int]:
    """Four incidents opened by ana (who owns them): one released at L1, one escalated to L2."""
    ids = [desk.open(caller=f"caller{n}", callee=f"callee{n}")["id"] for n in range(4)]
    released = desk.api("POST", f"/incidents/{ids[0]}/release", "ana", json={})
    assert released.status_code == 200 and released.json()["assignee"] is None, released.text
    desk.walk(ids[3], *TO_L2)
    return ids


def test_api_list_cli_list_api_queue_and_desk_queue_show_the_same_rows(desk: Desk, db_url: str) -> None:
    ids = _cast(desk)
    api = desk.api("GET", "/incidents?status=open&level=1", "admin").json()["items"]
    assert [i["id"] for i in api] == [ids[2], ids[1], ids[0]]  # newest first, the L2 one left out
    listed = cli("incident", "list", "--status", "open", "--level", "1", "--json", db=db_url).json()["items"]
    queued = desk.api("GET", "/incidents/queues/open?level=1", "admin").json()["items"]
    assert listed == api and queued == api  # the same rows with the same fields and values
    assert set(api[0]) >= ROW_FIELDS
    assert {"path", "escalations", "summary", "closed_at"} <= set(api[0])  # kept: the API is compatible
    assert "events" not in api[0] and "step_title" not in api[0] and "updated" not in api[0]

    page = login(desk, "admin").get("/queue/open?level=1").text
    rows = re.findall(r'<tr data-href="/incidents/(\d+)">(.*?)</tr>', page, re.S)
    assert [int(i) for i, _ in rows] == [i["id"] for i in api]
    for (_, html), item in zip(rows, api, strict=True):
        assert f"{item['caller']} → {item['callee']}" in html
        assert f"L{item['level']}" in html and f'<span class="status {item["status"]}">' in html
        assert (item["assignee"] or "nobody") in html
        assert f'<small class="muted">{item["current"]}</small>' in html


def test_the_same_filter_gives_the_same_rows_in_the_desk_search_and_the_api(desk: Desk) -> None:
    ids = _cast(desk)
    api = desk.api("GET", "/incidents?q=caller3", "ben").json()
    assert api["total"] == 1 and api["items"][0]["id"] == ids[3] and api["items"][0]["level"] == 2
    page = login(desk, "ben").get("/search?q=caller3").text
    assert re.findall(r'<tr data-href="/incidents/(\d+)">', page) == [str(ids[3])]


@contextmanager
def statements(desk: Desk) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = desk.services.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_queue_page_reads_its_rows_in_one_query(desk: Desk) -> None:
    _cast(desk)
    browser = login(desk, "ben")
    for name in ("escalated", "mine", "unassigned", "open", "closed"):
        with statements(desk) as seen:
            page = browser.get(f"/queue/{name}")
        assert page.status_code == 200
        # The row query names the row columns; badge counts select only ids (and are cached).
        assert len([s for s in seen if "incidents.caller" in s]) == 1, seen
