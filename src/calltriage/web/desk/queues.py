"""Queue pages per level (open, waiting for me, new escalations, closed) and search."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from calltriage.errors import CalltriageError
from calltriage.services.operators import COUNT_CAP, QUEUES
from calltriage.services.queues import search as search_rows
from calltriage.services.rules import title_of
from calltriage.web.deps import DeskOperator
from calltriage.web.desk.render import page, redirect
from calltriage.web.reads import read
from calltriage.web.state import WebState, state

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


def with_titles(ct: WebState, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Step titles for the rows (playbook versions are read once and cached by the catalogue)."""
    for item in items:
        if item.get("current"):
            try:
                spec = ct.services.catalog.pinned(item["playbook"], item["playbook_version"])
            except CalltriageError:
                continue
            item["step_title"] = title_of(spec, item["current"])
    return items


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
    items, more = await read(ct, ct.operators.queue_rows, op, name, level=level, limit=PAGE,
                             offset=(page_no - 1) * PAGE)
    sizes = await read(ct, ct.operators.queue_sizes, op, level=level)
    return page(request, "queue.html", {
        "name": name, "title": TITLES[name], "help": HELP[name], "items": with_titles(ct, items),
        "total": _size(sizes[name]),
        "queues": [(q, TITLES[q], _size(sizes[q])) for q in QUEUES], "level": level or op.level,
        "page_no": page_no, "more": more, "query": {"level": level} if level else {},
    })


@router.get("/search")
def search(request: Request, op: DeskOperator,
           q: Annotated[str | None, Query(max_length=200)] = None,
           status: Literal["", "open", "closed", "handed-off"] = "",
           level: Annotated[str, Query(max_length=1, pattern="^[123]?$")] = "",
           page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1) -> Response:
    ct = state(request)
    items, total = search_rows(ct.services.store, status=status or None,
                               level=int(level) if level else None, query=(q or "").replace("\x00", "") or None,
                               limit=PAGE, offset=(page_no - 1) * PAGE)
    return page(request, "search.html", {
        "items": with_titles(ct, items), "total": total, "q": q or "", "status": status, "level": level,
        "page_no": page_no,
        "more": total > page_no * PAGE,
        "query": {k: v for k, v in (("q", q), ("status", status), ("level", level)) if v},
    })
