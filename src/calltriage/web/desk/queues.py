"""Queue pages per level (open, waiting for me, new escalations, closed) and search."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from calltriage.services.queues import COUNT_CAP, QUEUES
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.render import page, redirect
from calltriage.web.reads import read
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
PAGE = 50
TITLES = {"mine": "Mine", "unassigned": "My level, unassigned", "escalated": "Escalated to my level",
          "open": "All open", "closed": "Closed"}
HELP = {
    "mine": "Open incidents you own (you took them or someone assigned them to you).",
    "unassigned": "Open incidents at your level that nobody owns yet: take one.",
    "escalated": "Escalated to your level and not yet picked up by anyone there (probe results do not count).",
    "open": "Every open incident at your level, owned or not.",
    "closed": "Incidents closed at your level.",
}


def _size(n: int) -> str:
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


@router.get("/")
async def home(request: Request, op: DeskOperator) -> Response:
    return redirect(request, "/queue/mine")


@router.get("/queue/{name}")
async def queue(request: Request, op: DeskOperator,
                name: Literal["mine", "unassigned", "escalated", "open", "closed"],
          level: Annotated[int | None, Query(ge=1, le=3)] = None,
          page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    ct = state(request)
    found = await read(ct, ct.services.cases.queue_rows, name, owner=op.name, level=op.level or level,
                       limit=PAGE, offset=(page_no - 1) * PAGE)
    sizes = await read(ct, ct.operators.queue_sizes, op, level=level)
    return page(request, "queue.html", {
        "name": name, "title": TITLES[name], "help": HELP[name], "items": found.items,
        "total": _size(sizes[name]),
        "queues": [(q, TITLES[q], _size(sizes[q])) for q in QUEUES], "level": level or op.level,
        "page_no": page_no, "more": found.more, "query": {"level": level} if level else {},
    })


@router.get("/search")
def search(request: Request, op: DeskOperator,
           q: Annotated[str | None, Query(max_length=200)] = None,
           status: Literal["", "open", "closed", "handed-off"] = "",
           level: Annotated[str, Query(max_length=1, pattern="^[123]?$")] = "",
           page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    ct = state(request)
    found = ct.services.cases.search_rows(status=status or None, level=int(level) if level else None,
                                          query=(q or "").replace("\x00", "") or None,
                                          limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "search.html", {
        "items": found.items, "total": found.total, "q": q or "", "status": status, "level": level,
        "page_no": page_no,
        "more": found.more,
        "query": {k: v for k, v in (("q", q), ("status", status), ("level", level)) if v},
    })
