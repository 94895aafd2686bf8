"""Queue pages per level (open, waiting for me, new escalations, closed) and search."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from calltriage.services.operators import COUNT_CAP, QUEUES
from calltriage.services.queues import search as search_rows
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.render import page, redirect
from calltriage.web.reads import read
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)
PAGE = 50
TITLES = {"open": "Open", "mine": "Waiting for me", "escalated": "Escalated to my level", "closed": "Closed"}
HELP = {
    "open": "Every open incident at your level.",
    "mine": "Open incidents at your level that you opened or acted on.",
    "escalated": "Escalated to your level and not yet picked up by anyone there.",
    "closed": "Incidents closed at your level.",
}


def _size(n: int) -> str:
    return f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)


@router.get("/")
async def home(request: Request, op: DeskOperator) -> Response:
    return redirect(request, "/queue/open")


@router.get("/queue/{name}")
async def queue(request: Request, op: DeskOperator, name: Literal["open", "mine", "escalated", "closed"],
          level: Annotated[int | None, Query(ge=1, le=3)] = None,
          page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    ct = state(request)
    items, more = await read(ct, ct.operators.queue_rows, op, name, level=level, limit=PAGE,
                             offset=(page_no - 1) * PAGE)
    sizes = await read(ct, ct.operators.queue_sizes, op, level=level)
    return page(request, "queue.html", {
        "name": name, "title": TITLES[name], "help": HELP[name], "items": items, "total": _size(sizes[name]),
        "queues": [(q, TITLES[q], _size(sizes[q])) for q in QUEUES], "level": level or op.level,
        "page_no": page_no, "more": more, "query": {"level": level} if level else {},
    })


@router.get("/search")
def search(request: Request, op: DeskOperator,
           q: Annotated[str | None, Query(max_length=200)] = None,
           status: Literal["", "open", "closed", "handed-off"] = "",
           level: Annotated[str, Query(max_length=1, pattern="^[123]?$")] = "",
           page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    items, total = search_rows(state(request).services.store, status=status or None,
                               level=int(level) if level else None, query=(q or "").replace("\x00", "") or None,
                               limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "search.html", {
        "items": items, "total": total, "q": q or "", "status": status, "level": level, "page_no": page_no,
        "more": total > page_no * PAGE,
        "query": {k: v for k, v in (("q", q), ("status", status), ("level", level)) if v},
    })
