"""Accounts and numbers from the appliance's configurable read-only accounts query.

The query (``[server.privateserver] accounts_query``) returns one row per account and number
with at least ``username`` and ``number``; optional columns: ``route_order`` (which of several
accounts holding a number is reached first), ``disabled``, ``edition``, ``transport``, ``port``.
calltriage wraps it: ``SELECT * FROM (<query>) q WHERE q.username = :v`` (or ``q.number``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from calltriage.backends.port import AppConfig, DirectoryEntry
from calltriage.backends.sql import SqlReader
from calltriage.config import ServerConfig


async def fetch(db: SqlReader, query: str, column: Literal["username", "number"], value: str,
                timeout: float) -> list[dict[str, Any]]:
    found = await db.fetch(f"SELECT * FROM ({query}) q WHERE q.{column} = :value", {"value": value}, timeout=timeout)
    return sorted(found, key=lambda r: (r.get("route_order") is None, r.get("route_order") or 0))


def _unique(values: Sequence[Any]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        if value not in (None, "") and str(value) not in out:
            out.append(str(value))
    return tuple(out)


def numbers(found: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    return _unique([r.get("number") for r in found])


def owners(found: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    return _unique([r.get("username") for r in found])


def entry(
    account: str, found: Sequence[dict[str, Any]], server: ServerConfig, notes: tuple[str, ...]
) -> DirectoryEntry:
    if not found:
        return DirectoryEntry(account, False, None, (), None, notes)
    first = found[0]
    disabled = bool(int(first["disabled"] or 0)) if "disabled" in first else None
    nums = numbers(found)
    app: AppConfig | None = None
    if any(k in first for k in ("transport", "port", "edition")):
        port = first.get("port")
        app = AppConfig(
            "account",
            transport=str(first["transport"]).lower() if first.get("transport") else server.app_transport,
            port=int(port) if port else server.app_port,
            min_version=server.min_client_version,
            edition=str(first["edition"]).lower() if first.get("edition") else None,
            number=nums[0] if nums else None,
        )
    elif server.app_transport or server.app_port or server.min_client_version:
        app = AppConfig("config", server.app_transport, server.app_port, server.min_client_version)
    return DirectoryEntry(account, True, disabled, nums, app, notes)
