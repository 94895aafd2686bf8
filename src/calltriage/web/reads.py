"""Where the hot read-only routes run their database work.

FastAPI runs a sync route (and each sync dependency) in the threadpool: two thread hops and
GIL hand-overs per request cost more than a queue page's reads themselves. The hottest GET
routes (queue pages, ``GET /api/v1/incidents/{id}``) are async and read through ``read``:
short, index-backed reads run right on the event loop. On SQLite (WAL) a reader never waits
for a writer; on PostgreSQL a read is one loopback round trip. Everything that writes, or may
wait (probes, Graphviz), stays in the threadpool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from calltriage.web.state import WebState

P = ParamSpec("P")
T = TypeVar("T")


async def read(ct: WebState, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    if ct.reads_on_loop:
        return fn(*args, **kwargs)
    return await run_in_threadpool(fn, *args, **kwargs)
