"""The server's accounts database (Kamailio ``subscriber``, ``dbaliases``, ``acc`` and the
``provisioning`` table; schema in lab/src/calltriage_lab/schema.sql and docs/lab.md).

SQLAlchemy Core with plain SQL that SQLite, PostgreSQL and MySQL all accept. Queries run in a
worker thread (DB drivers block); the caller bounds them with a deadline.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from calltriage.config import hide_password


class DbUnavailable(Exception):
    """The accounts DB did not answer (down, locked, wrong URL, missing table...)."""


class AccountsDB:
    def __init__(self, url: str, password: SecretStr | None = None) -> None:
        self.url = url
        self._password = password
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def safe_url(self) -> str:
        return hide_password(self.url)

    def _get_engine(self, timeout: float) -> Any:
        with self._lock:
            if self._engine is None:
                from sqlalchemy import create_engine
                from sqlalchemy.engine import make_url

                url = make_url(self.url)
                if self._password is not None:
                    url = url.set(password=self._password.get_secret_value())
                backend = url.get_backend_name()
                args: dict[str, Any] = {}
                if backend == "sqlite":
                    # Kamailio writes the same file; wait a little for its locks, not forever.
                    args = {"timeout": max(0.1, timeout), "check_same_thread": False}
                elif backend == "postgresql" or backend in ("mysql", "mariadb"):
                    args = {"connect_timeout": max(1, int(timeout))}
                self._engine = create_engine(url, connect_args=args, pool_pre_ping=True)
            return self._engine

    def _fetch_sync(self, sql: str, params: Mapping[str, Any], timeout: float) -> list[dict[str, Any]]:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        try:
            engine = self._get_engine(timeout)
            with engine.connect() as conn:
                rows = conn.execute(text(sql), dict(params)).mappings().all()
                return [dict(r) for r in rows]
        except ModuleNotFoundError as exc:
            raise DbUnavailable(
                f"the DB driver {exc.name!r} for {self.safe_url} is not installed; install it or use another URL"
            ) from None
        except SQLAlchemyError as exc:
            # The driver's message names the problem ("no such table: acc", "database is
            # locked", "connection refused"); it never contains the password.
            orig = getattr(exc, "orig", None) or exc
            detail = str(orig).strip().splitlines()[0] if str(orig).strip() else orig.__class__.__name__
            raise DbUnavailable(f"the accounts DB {self.safe_url} failed: {detail[:200]}") from None

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None, *, timeout: float) -> list[dict[str, Any]]:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._fetch_sync, sql, params or {}, timeout), timeout)
        except TimeoutError:
            raise DbUnavailable(
                f"the accounts DB {self.safe_url} did not answer within {timeout:g} s (locked or overloaded?)"
            ) from None

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
