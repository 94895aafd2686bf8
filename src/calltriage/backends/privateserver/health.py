"""The appliance's SQL views as a service part of ``services()`` (so ``calltriage server check``
shows a wrong DB password, a missing grant or a wrong column mapping before any check needs them).

Each configured view is read once through its column mapping (``SELECT <mapped columns> ... LIMIT
1``) and the accounts query once, wrapped as the backend wraps it. A view calltriage cannot read
is ``unknown`` (calltriage could not look: login, grant, view or column missing), never a finding
about the appliance.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from calltriage.backends.port import ServicePart
from calltriage.backends.privateserver.views import View
from calltriage.backends.sql import SqlReader, SqlUnavailable

PART = "views"


async def views_part(
    db: SqlReader | None, views: Mapping[str, View], accounts_query: str | None, timeout: float
) -> ServicePart:
    if db is None:
        return ServicePart(PART, "skipped", "the appliance's views are not configured ([server] accounts_db_url)")
    reads = {view.name: f"{view.select()} LIMIT 1" for view in views.values()}
    if accounts_query is not None:
        reads["accounts query"] = f"SELECT * FROM ({accounts_query}) q LIMIT 1"
    t0 = time.perf_counter()
    for name, sql in reads.items():
        try:
            await db.fetch(sql, timeout=timeout)
        except SqlUnavailable as exc:
            evidence = {"db": db.safe_url, "problem": exc.kind}
            return ServicePart(PART, "unknown", f"could not read {name}: {exc}", evidence)
    ms = (time.perf_counter() - t0) * 1000
    return ServicePart(
        PART, "ok", f"the appliance's views answer ({', '.join(reads)}; {ms:.1f} ms)",
        {"read": list(reads), "query_ms": round(ms, 2), "db": db.safe_url},
    )
