"""Kamailio's account directory: ``subscriber`` (auth_db) and ``dbaliases`` (alias_db), both
standard, plus an optional ``provisioning`` table (per-account app settings and a ``disabled``
flag; calltriage's lab has one, a stock Kamailio has none: then those answers come from the
calltriage config file or stay unknown).

Optional ``provisioning`` columns (docs/backends.md): ``username`` (key), ``number``,
``edition``, ``transport``, ``port``, ``disabled``. Never selected: anything secret-like (an
obfuscation key), so it cannot leak into evidence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from calltriage.backends.port import AppConfig
from calltriage.backends.sql import SqlReader, SqlUnavailable
from calltriage.config import ServerSettings

PROVISIONING = "provisioning"
_PROVISIONING_COLUMNS = ("username", "number", "edition", "transport", "port", "disabled")


async def subscriber_exists(db: SqlReader, username: str, timeout: float) -> bool:
    rows = await db.fetch("SELECT 1 AS x FROM subscriber WHERE username = :u", {"u": username}, timeout=timeout)
    return bool(rows)


async def numbers_of(db: SqlReader, username: str, timeout: float) -> tuple[str, ...]:
    rows = await db.fetch(
        "SELECT alias_username FROM dbaliases WHERE username = :u ORDER BY id", {"u": username}, timeout=timeout
    )
    return tuple(str(r["alias_username"]) for r in rows)


async def routes_of(db: SqlReader, number: str, timeout: float) -> tuple[str, ...]:
    """Accounts ``number`` maps to, in id order: alias_db routes to the first row only."""
    rows = await db.fetch(
        "SELECT username FROM dbaliases WHERE alias_username = :n ORDER BY id", {"n": number}, timeout=timeout
    )
    return tuple(str(r["username"]) for r in rows)


class Provisioning:
    """The optional provisioning table: ``None`` answers when this server has none."""

    def __init__(self, db: SqlReader) -> None:
        self.db = db
        self._columns: frozenset[str] | None = None
        self.missing: str | None = None

    async def _cols(self, timeout: float) -> frozenset[str]:
        if self._columns is None:
            try:
                self._columns = await self.db.columns(PROVISIONING, timeout=timeout)
                self.missing = None
            except SqlUnavailable as exc:
                if exc.kind != "table":
                    raise
                self.missing = "no provisioning table on this server"
                return frozenset()
        return self._columns

    async def record(self, username: str, timeout: float) -> Mapping[str, Any] | None:
        cols = await self._cols(timeout)
        if "username" not in cols:
            return None
        names = ", ".join(c for c in _PROVISIONING_COLUMNS if c in cols)
        try:
            rows = await self.db.fetch(
                f"SELECT {names} FROM {PROVISIONING} WHERE username = :u", {"u": username}, timeout=timeout
            )
        except SqlUnavailable as exc:
            if exc.kind == "table":  # renamed or dropped since we looked
                self._columns = None
            raise
        return dict(rows[0]) if rows else {}

    async def owners_of(self, number: str, timeout: float) -> tuple[str, ...] | None:
        cols = await self._cols(timeout)
        if not {"username", "number"} <= cols:
            return None
        rows = await self.db.fetch(
            f"SELECT username FROM {PROVISIONING} WHERE number = :n ORDER BY username", {"n": number}, timeout=timeout
        )
        return tuple(str(r["username"]) for r in rows)


async def duplicate_numbers(db: SqlReader, timeout: float) -> list[dict[str, Any]]:
    """Every virtual number assigned more than once, fleet-wide: one ``GROUP BY ... HAVING`` that
    the (alias_username, alias_domain) index of Kamailio's dbaliases schema answers by an
    index-only scan (~0.2-0.26 s for 1M rows on SQLite or PostgreSQL)."""
    return await db.fetch(
        "SELECT alias_username AS number, alias_domain AS domain, COUNT(*) AS n FROM dbaliases"
        " GROUP BY alias_username, alias_domain HAVING COUNT(*) > 1",
        timeout=timeout,
    )


def app_config(record: Mapping[str, Any] | None, settings: ServerSettings) -> AppConfig | None:
    """What the app must use: the provisioning record when the server has one for the account,
    else the calltriage config's ``app_transport`` / ``app_port`` / ``min_client_version``."""
    s = settings.server
    if record:
        port = record.get("port")
        return AppConfig(
            "account",
            transport=str(record["transport"]).lower() if record.get("transport") else s.app_transport,
            port=int(port) if port else s.app_port,
            min_version=s.min_client_version,
            edition=str(record["edition"]).lower() if record.get("edition") else None,
            number=str(record["number"]) if record.get("number") else None,
        )
    if s.app_transport or s.app_port or s.min_client_version:
        return AppConfig("config", s.app_transport, s.app_port, s.min_client_version)
    return None
