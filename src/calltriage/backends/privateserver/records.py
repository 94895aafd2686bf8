"""Reads of the appliance's record views for one account: authentication failures
(V_AUTH_EVENT), call records (V_CDR) and recent configuration changes (V_AUDIT_EVENT).
Times in the views are the appliance's local time; ``since`` is compared by the second (a view
without sub-second times keeps a same-second row; the backend filters precise ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from calltriage.backends.port import CallAttempt, RefusalCause, utc
from calltriage.backends.privateserver import views as v
from calltriage.backends.sql import SqlReader
from calltriage.config import PrivateServerSettings


def local(moment: datetime, tz: tzinfo) -> datetime:
    """An aware moment as the appliance's naive local time, in whole seconds."""
    return utc(moment).astimezone(tz).replace(tzinfo=None, microsecond=0)


async def auth_failures(db: SqlReader, view: v.View, cfg: PrivateServerSettings, account: str, since: datetime,
                        tz: tzinfo, timeout: float) -> list[tuple[dict[str, Any], RefusalCause]]:
    """The account's authentication failures at or after ``since``, with their cause."""
    rows = await db.fetch(
        f"{view.select()} WHERE {view.col('principal')} = :account AND {view.col('time')} >= :since"
        f" ORDER BY {view.col('time')}", {"account": account, "since": local(since, tz)}, timeout=timeout)
    failures: dict[str, Any] = {**v.AUTH_FAILURES, **cfg.auth_failures}
    return [(r, failures[str(r["event"])]) for r in rows if str(r["event"]) in failures]


async def cdr(db: SqlReader, view: v.View, account: str, numbers: tuple[str, ...], since: datetime, tz: tzinfo,
              timeout: float) -> list[CallAttempt]:
    """Calls placed by the account: the CDR's source is the account or one of its numbers, or
    its channel is ``SIP/<account>`` when the view has one."""
    who = [f"{view.col('src')} = :account"] + [f"{view.col('src')} = :n{i}" for i in range(len(numbers))]
    params: dict[str, Any] = {"account": account, "since": local(since, tz)}
    params.update({f"n{i}": n for i, n in enumerate(numbers)})
    if view.has("channel"):
        who.append(f"{view.col('channel')} = :channel")
        params["channel"] = f"SIP/{account}"
    rows = await db.fetch(
        f"{view.select()} WHERE ({' OR '.join(who)}) AND {view.col('time')} >= :since ORDER BY {view.col('time')}",
        params, timeout=timeout)
    return [v.cdr_attempt(r, account, tz) for r in rows]


async def changes(db: SqlReader, view: v.View, account: str, tz: tzinfo, timeout: float,
                  days: int = 7) -> list[str]:
    """The account's configuration changes of the last ``days`` (details ``"<account>: ..."``),
    newest first, as one line each."""
    if not view.has("details"):
        return []
    since = datetime.now(UTC) - timedelta(days=days)
    rows = await db.fetch(
        f"{view.select()} WHERE {view.col('details')} LIKE :who AND {view.col('time')} >= :since"
        f" ORDER BY {view.col('time')} DESC LIMIT 5", {"who": f"{account}:%", "since": local(since, tz)},
        timeout=timeout)
    return [f"changed {v.to_utc(r['time'], tz).isoformat(timespec='seconds')} by {r.get('actor')}: "
            f"{r.get('event')} {r.get('details')}" for r in rows]
