"""Read-only SQL on the server's database (Kamailio's tables, an appliance's views), shared by
the backends. SQLAlchemy Core with plain SQL that SQLite, PostgreSQL and MySQL/MariaDB accept;
queries run in a worker thread (drivers block) and are bounded by a deadline.

Every driver failure is translated here, once, into ``SqlUnavailable`` with a plain sentence
and a ``kind`` (``driver``, ``refused``, ``login``, ``grant``, ``table``, ``column``,
``locked``, ``timeout``, ``other``). Backends turn it into ``CannotTell``: a missing driver,
grant or table is calltriage's problem, never a finding about the server.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import SecretStr

from calltriage.config import hide_password


class SqlUnavailable(Exception):
    """The database could not be read; ``kind`` says why (see the module docstring)."""

    def __init__(self, message: str, kind: str = "other") -> None:
        super().__init__(message)
        self.kind = kind


# Driver messages -> kind. SQLite, PostgreSQL (psycopg) and MySQL/MariaDB (PyMySQL) wordings.
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("table", ("no such table", "doesn't exist", "does not exist\n", "undefinedtable", "(1146")),
    ("column", ("no such column", "unknown column", "undefinedcolumn", "(1054")),
    ("grant", ("permission denied", "command denied", "(1142", "(1044", "insufficientprivilege", "(1143")),
    ("login", ("access denied for user", "(1045", "password authentication failed", "role \"")),
    ("refused", ("connection refused", "can't connect", "(2003", "could not connect", "(2002")),
    ("locked", ("database is locked", "lock wait timeout")),
    ("timeout", ("timeout expired", "timed out")),
)

_DEFAULT_DRIVERS = {"mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql", "postgresql": "postgresql+psycopg"}

_HINTS = {
    "driver": "install it (pip install calltriage pulls PyMySQL and psycopg) or use another URL",
    "grant": "ask the server's administrator for a read-only grant (docs/backends.md)",
    "login": "check the DB user and its password (accounts_db_password_file)",
    "refused": "is the database running, and is calltriage allowed to reach its port?",
    "table": "the server does not have this table (another schema, or a missing grant)",
    "column": "the table lacks this column on this server",
}


def classify(message: str, exc: BaseException | None = None) -> str:
    text = f"{message}\n{exc.__class__.__name__ if exc else ''}".lower()
    if "relation" in text and "does not exist" in text:
        return "table"
    if "column" in text and "does not exist" in text:
        return "column"
    for kind, needles in _KINDS:
        if any(n in text for n in needles):
            return kind
    return "other"


class SqlReader:
    def __init__(self, url: str, password: SecretStr | None = None) -> None:
        self.url = url
        self._password = password
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def safe_url(self) -> str:
        return hide_password(self.url)

    @property
    def dialect(self) -> str:
        """"sqlite", "postgresql" or "mysql" (MariaDB included)."""
        scheme = self.url.split(":", 1)[0].split("+")[0]
        return "mysql" if scheme == "mariadb" else scheme

    def _get_engine(self, timeout: float) -> Any:
        with self._lock:
            if self._engine is None:
                from sqlalchemy import create_engine
                from sqlalchemy.engine import make_url

                url = make_url(self.url)
                # A bare scheme picks the driver calltriage ships (SQLAlchemy's defaults are
                # mysqlclient and psycopg2, which are not installed).
                if url.drivername in _DEFAULT_DRIVERS:
                    url = url.set(drivername=_DEFAULT_DRIVERS[url.drivername])
                if self._password is not None:
                    url = url.set(password=self._password.get_secret_value())
                backend = url.get_backend_name()
                args: dict[str, Any] = {}
                if backend == "sqlite":
                    # The server writes the same file; wait a little for its locks, not forever.
                    args = {"timeout": max(0.1, timeout), "check_same_thread": False}
                elif backend == "postgresql":
                    args = {"connect_timeout": max(1, int(timeout))}
                elif backend in ("mysql", "mariadb"):
                    t = max(1, int(timeout + 0.999))
                    args = {"connect_timeout": t, "read_timeout": t}
                self._engine = create_engine(url, connect_args=args, pool_pre_ping=True)
            return self._engine

    def _fetch_sync(self, sql: str, params: Mapping[str, Any], timeout: float) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self._translated():
            engine = self._get_engine(timeout)
            with engine.connect() as conn:
                rows = conn.execute(text(sql), dict(params)).mappings().all()
                return [dict(r) for r in rows]

    @contextmanager
    def _translated(self) -> Iterator[None]:
        from sqlalchemy.exc import ArgumentError, SQLAlchemyError

        try:
            yield
        except ModuleNotFoundError as exc:
            raise SqlUnavailable(
                f"the DB driver {exc.name!r} for {self.safe_url} is not installed; {_HINTS['driver']}", "driver"
            ) from None
        except (SQLAlchemyError, ArgumentError) as exc:
            # The driver's message names the problem ("no such table: acc", "database is locked",
            # "Connection refused"); it never contains the password.
            orig = getattr(exc, "orig", None) or exc
            first = str(orig).strip().splitlines()[0] if str(orig).strip() else orig.__class__.__name__
            kind = classify(str(orig), orig)
            hint = f"; {_HINTS[kind]}" if kind in _HINTS else ""
            raise SqlUnavailable(f"the database {self.safe_url} failed: {first[:200]}{hint}", kind) from None

    async def fetch(self, sql: str, params: Mapping[str, Any] | None = None, *, timeout: float) -> list[dict[str, Any]]:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._fetch_sync, sql, params or {}, timeout), timeout)
        except TimeoutError:
            raise SqlUnavailable(
                f"the database {self.safe_url} did not answer within {timeout:g} s (locked or overloaded?)", "timeout"
            ) from None

    async def columns(self, table: str, *, timeout: float) -> frozenset[str]:
        """The column names of ``table`` (lower case), from an empty ``SELECT *``."""
        try:
            cols = await asyncio.wait_for(asyncio.to_thread(self._columns_sync, table, timeout), timeout)
        except TimeoutError:
            raise SqlUnavailable(
                f"the database {self.safe_url} did not answer within {timeout:g} s", "timeout"
            ) from None
        return frozenset(cols)

    def _columns_sync(self, table: str, timeout: float) -> set[str]:
        from sqlalchemy import text

        with self._translated():
            engine = self._get_engine(timeout)
            with engine.connect() as conn:
                result = conn.execute(text(f"SELECT * FROM {table} WHERE 1 = 0"))
                return {str(k).lower() for k in result.keys()}  # noqa: SIM118 - a Result, not a dict

    def close(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
