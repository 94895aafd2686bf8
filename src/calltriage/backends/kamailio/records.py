"""Kamailio's accounting tables, read with the **standard** schema of the ``acc`` module.

Required (Kamailio's ``acc-create.sql`` plus the six ``db_extra`` columns of Kamailio's stock
``kamailio.cfg``): ``acc`` / ``missed_calls`` with ``method``, ``from_tag``, ``to_tag``,
``callid``, ``sip_code``, ``sip_reason``, ``time`` (DATETIME in the server's local time) and
``src_user``, ``src_domain``, ``src_ip``, ``dst_ouser``, ``dst_user``, ``dst_domain``.

Optional columns, used when the table has them (docs/backends.md): ``time_epoch`` +
``time_us`` (acc ``time_mode=1``: sub-second times), ``proto``, ``user_agent``, ``auth_result``
(why a request was refused), ``expires``. Stock Kamailio writes answered calls to ``acc`` and
routed failures to ``missed_calls``; a config may also account REGISTER outcomes and the
proxy's own refusals with ``acc_db_request()`` into ``acc`` (then they are read too).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from calltriage.backends.port import CallAttempt, EventKind, FailedSide, RefusalCause, RegistrationEvent
from calltriage.backends.sql import SqlReader, SqlUnavailable

REQUIRED = frozenset({"method", "callid", "sip_code", "sip_reason", "time", "src_user"})
OPTIONAL = ("time_epoch", "time_us", "proto", "user_agent", "auth_result", "expires", "dst_ouser", "dst_user",
            "to_tag", "src_ip", "src_port")
CALL_TABLES = ("acc", "missed_calls")

_CAUSES: dict[str, RefusalCause] = {
    "bad-password": "bad-password",
    "unknown-user": "unknown-user",
    "disabled": "disabled",
    "tls-required": "tls-required",
    "db-error": "server-error",
}


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: frozenset[str]

    @property
    def precise(self) -> bool:
        return {"time_epoch", "time_us"} <= self.columns

    def has(self, column: str) -> bool:
        return column in self.columns


async def describe(db: SqlReader, name: str, timeout: float) -> Table:
    """The table's columns; ``SqlUnavailable`` when it is missing or lacks a required column."""
    cols = await db.columns(name, timeout=timeout)
    missing = sorted(REQUIRED - cols)
    if missing:
        raise SqlUnavailable(
            f"the table {name} has no column(s) {', '.join(missing)}: calltriage needs Kamailio's standard acc "
            "schema with the stock db_extra columns (docs/backends.md)",
            "column",
        )
    return Table(name, cols)


def _select(table: Table) -> str:
    cols = ["method", "callid", "sip_code", "sip_reason", "time", "src_user"]
    cols += [c for c in OPTIONAL if table.has(c)]
    return ", ".join(cols)


def local_naive(moment: datetime, tz: tzinfo) -> datetime:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(tz).replace(tzinfo=None, microsecond=0)


# Kamailio's db_sqlite stores a DATETIME as a Julian day number (UTC): days since 4714 BC noon.
_UNIX_EPOCH_JD = 2440587.5


def to_julian(moment: datetime) -> float:
    return moment.timestamp() / 86400.0 + _UNIX_EPOCH_JD


def row_time(row: Mapping[str, Any], table: Table, tz: tzinfo) -> datetime:
    epoch = _int(row.get("time_epoch"))
    if table.precise and epoch is not None and epoch > 0:
        return datetime.fromtimestamp(float(epoch) + (_int(row.get("time_us")) or 0) / 1e6, UTC)
    raw = row["time"]
    if isinstance(raw, int | float):  # db_sqlite's Julian day (UTC), whole seconds
        return datetime.fromtimestamp(round((float(raw) - _UNIX_EPOCH_JD) * 86400.0), UTC)
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw).strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


async def fetch(
    db: SqlReader, table: Table, method: str, user: str, since: datetime, tz: tzinfo, timeout: float,
    targets: Sequence[str] = (),
) -> list[tuple[datetime, dict[str, Any]]]:
    """Rows of ``method`` by ``user`` at or after ``since`` (whole seconds when the table has no
    sub-second columns: rows in the same second as ``since`` are included), oldest first.

    ``time`` is a DATETIME in the server's local time ``tz`` on MySQL/MariaDB and PostgreSQL
    (db_mysql/db_postgres write local time), a Julian day number in UTC on SQLite (db_sqlite)."""
    floor = local_naive(since, tz)
    bound: Any = floor
    if db.dialect == "sqlite":
        # db_sqlite writes Julian days (UTC); a little slack for the float's rounding
        bound = to_julian(since.replace(microsecond=0)) - 0.5 / 86400.0
    sql = f"SELECT {_select(table)} FROM {table.name} WHERE method = :m AND src_user = :u AND time >= :t"
    args: dict[str, Any] = {"m": method, "u": user, "t": bound}
    if targets:
        names = ", ".join(f":x{i}" for i in range(len(targets)))
        dst = [c for c in ("dst_ouser", "dst_user") if table.has(c)]
        if dst:
            sql += " AND (" + " OR ".join(f"{c} IN ({names})" for c in dst) + ")"
            args.update({f"x{i}": t for i, t in enumerate(targets)})
    sql += " ORDER BY id LIMIT 200" if table.has("id") else " LIMIT 200"
    rows = await db.fetch(sql, args, timeout=timeout)
    since_utc = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
    cut = since_utc if table.precise else since_utc.replace(microsecond=0)
    out = [(row_time(r, table, tz), r) for r in rows]
    return sorted(((t, r) for t, r in out if t >= cut), key=lambda p: p[0])


def _code(row: Mapping[str, Any]) -> int | None:
    return _int(row.get("sip_code"))


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _cause(row: Mapping[str, Any]) -> RefusalCause | None:
    raw = row.get("auth_result")
    if raw in (None, "", "ok", "none"):
        return None
    return _CAUSES.get(str(raw), "other")


def register_event(when: datetime, row: Mapping[str, Any], table: Table) -> RegistrationEvent:
    code = _code(row)
    expires = _int(row.get("expires"))
    kind: EventKind = "refused"
    if code is not None and 200 <= code < 300:
        kind = "unregistered" if expires == 0 else "registered"
    src = _text(row.get("src_ip"))
    if src and _text(row.get("src_port")):
        src = f"{src}:{row['src_port']}"
    return RegistrationEvent(
        time=when,
        kind=kind,
        source="accounting",
        precise=table.precise,
        code=code,
        reason=_text(row.get("sip_reason")),
        cause=_cause(row) if kind == "refused" else None,
        transport=(str(row["proto"]).lower() if _text(row.get("proto")) else None),
        remote=src,
        user_agent=_text(row.get("user_agent")),
        expires=expires,
    )


def failed_side(code: int | None, cause: RefusalCause | None, table: Table) -> FailedSide | None:
    if code is not None and 200 <= code < 300:
        return None
    if table.name == "missed_calls":
        return "callee"  # routed to the callee's registration, then failed there
    if cause == "server-error":
        return "server"
    if cause is not None or code in (401, 403, 407):
        return "caller"
    if code is None:
        return "unknown"
    if code in (404, 408, 410, 480, 484, 486, 487, 477, 600, 603, 604):
        return "callee"
    if code >= 500:
        return "server"
    return "unknown"


def call_attempt(when: datetime, row: Mapping[str, Any], table: Table) -> CallAttempt:
    code = _code(row)
    cause = _cause(row)
    return CallAttempt(
        time=when,
        caller=str(row.get("src_user") or ""),
        dialled=_text(row.get("dst_ouser")),
        reached=_text(row.get("dst_user")),
        code=code,
        reason=_text(row.get("sip_reason")),
        source=table.name,
        precise=table.precise,
        failed_side=failed_side(code, cause, table),
        cause=cause,
        transport=(str(row["proto"]).lower() if _text(row.get("proto")) else None),
        call_id=_text(row.get("callid")),
    )


def dedupe(attempts: list[CallAttempt]) -> list[CallAttempt]:
    """A failed routed call may be in both tables (acc with failed_transaction_flag, and
    missed_calls): keep the missed_calls row, which says the call was routed."""
    missed = {(a.call_id, a.code) for a in attempts if a.source == "missed_calls"}
    return [a for a in attempts if a.source == "missed_calls" or (a.call_id, a.code) not in missed]
