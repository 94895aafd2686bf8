"""The lab's SQLite database: schema, provisioning helpers, accounting rows, DB faults.

Kamailio's auth_db/alias_db/sqlops read this file on every request (no caches), so every change
made here is live at once.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from calltriage_lab.errors import LabError

Edition = Literal["professional", "enterprise"]
DOMAIN = "lab.test"
#: tables renamed by break_database("missing-table"): the accounts DB "is gone"
_BROKEN_TABLES = ("subscriber", "provisioning")
_BROKEN_SUFFIX = "_unavailable"


@dataclass(frozen=True)
class AccRow:
    """One row of table ``acc`` (see docs/lab.md for the meaning of each column)."""

    id: int
    method: str
    sip_code: int
    sip_reason: str
    callid: str
    time_epoch: int | None
    src_user: str | None
    src_ip: str | None
    proto: str | None
    dst_ouser: str | None
    dst_user: str | None
    auth_result: str | None
    user_agent: str | None
    expires: int | None


def schema_sql(enrichments: bool = True) -> str:
    """The stock Kamailio schema, plus the lab's enrichments (schema-lab.sql) unless ``enrichments``
    is False."""
    files = resources.files("calltriage_lab")
    text = files.joinpath("schema.sql").read_text()
    return text + ("\n" + files.joinpath("schema-lab.sql").read_text() if enrichments else "")


def _int(value: Any) -> int | None:
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


class LabDB:
    """Provisioning and inspection of one lab database file."""

    def __init__(self, path: Path, domain: str = DOMAIN, enrichments: bool = True) -> None:
        self.path = path
        self.domain = domain
        #: the lab's extras over the stock schema (schema-lab.sql): provisioning, more acc columns
        self.enrichments = enrichments

    @property
    def url(self) -> str:
        # Kamailio's db_sqlite needs FOUR slashes for an absolute path (three = relative to cwd)
        return f"sqlite:///{self.path}"

    def create(self) -> None:
        """Create the file with the lab schema (no-op when it exists)."""
        if self.path.exists():
            return
        # subscriber holds plaintext SIP passwords: owner-only (SQLite's -wal/-shm inherit it)
        self.path.touch(mode=0o600)
        con = sqlite3.connect(self.path)
        try:
            con.executescript(schema_sql(self.enrichments))
            # WAL: probes and tests read while Kamailio's processes write acc rows
            con.execute("PRAGMA journal_mode=WAL")
        finally:
            con.close()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=5, isolation_level=None)
        try:
            yield con
        finally:
            con.close()

    def sql(self, query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connect() as con:
            return con.execute(query, args).fetchall()

    # ---------- provisioning ----------
    def add_account(
        self,
        username: str,
        password: str,
        number: str | None = None,
        *,
        display_name: str = "",
        edition: Edition = "professional",
        transport: str = "tls",
        port: int = 0,
        disabled: bool = False,
        obfuscation_key: str | None = None,
    ) -> None:
        """Subscriber + provisioning row (with enrichments), and the number as a virtual number (alias)."""
        key = obfuscation_key if obfuscation_key is not None else secrets.token_hex(16)
        now = int(time.time())
        with self.connect() as con:
            con.execute("BEGIN")
            con.execute(
                "INSERT INTO subscriber(username, domain, password) VALUES (?, ?, ?)",
                (username, self.domain, password),
            )
            if self.enrichments:
                con.execute(
                    "INSERT INTO provisioning(username, display_name, number, edition, transport, port,"
                    " obfuscation_key, disabled, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (username, display_name or username.title(), number, edition, transport, port, key,
                     int(disabled), now, now),
                )
            if number:
                self._insert_alias(con, number, username)
            con.execute("COMMIT")

    def _insert_alias(self, con: sqlite3.Connection, number: str, username: str) -> None:
        con.execute(
            "INSERT INTO dbaliases(alias_username, alias_domain, username, domain) VALUES (?, ?, ?, ?)",
            (number, self.domain, username, self.domain),
        )

    def add_alias(self, number: str, username: str) -> None:
        """Route ``number`` to ``username`` (an alternate number, or a duplicate on purpose)."""
        with self.connect() as con:
            self._insert_alias(con, number, username)

    def remove_alias(self, number: str, username: str | None = None) -> None:
        with self.connect() as con:
            if username is None:
                con.execute("DELETE FROM dbaliases WHERE alias_username = ?", (number,))
            else:
                con.execute(
                    "DELETE FROM dbaliases WHERE alias_username = ? AND username = ?", (number, username)
                )

    def remove_account(self, username: str) -> None:
        with self.connect() as con:
            con.execute("BEGIN")
            con.execute("DELETE FROM subscriber WHERE username = ?", (username,))
            if self.enrichments:
                con.execute("DELETE FROM provisioning WHERE username = ?", (username,))
            con.execute("DELETE FROM dbaliases WHERE username = ?", (username,))
            con.execute("COMMIT")

    def set_password(self, username: str, password: str) -> None:
        with self.connect() as con:
            con.execute("UPDATE subscriber SET password = ? WHERE username = ?", (password, username))

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        self._update_provisioning(username, "disabled", int(disabled))

    def set_provisioning(self, username: str, **fields: Any) -> None:
        """Change provisioning columns (edition, transport, port, obfuscation_key, display_name)."""
        allowed = {"display_name", "number", "edition", "transport", "port", "obfuscation_key", "disabled"}
        for column, value in fields.items():
            if column not in allowed:
                raise ValueError(f"unknown provisioning column {column!r}")
            self._update_provisioning(username, column, value)

    def _update_provisioning(self, username: str, column: str, value: Any) -> None:
        if not self.enrichments:
            raise LabError("this lab presents a stock Kamailio (lab up --stock): it has no provisioning table, "
                           "so accounts cannot be disabled or reprovisioned; start it without --stock")
        with self.connect() as con:
            # column comes from a fixed allow-list, never from user input
            con.execute(
                f"UPDATE provisioning SET {column} = ?, updated_at = ? WHERE username = ?",
                (value, int(time.time()), username),
            )

    def accounts(self) -> list[dict[str, Any]]:
        """Provisioning rows (no passwords, no obfuscation keys). A stock lab has no provisioning:
        its subscribers with their first number, the rest unknown (None)."""
        if not self.enrichments:
            rows = self.sql(
                "SELECT s.username, (SELECT a.alias_username FROM dbaliases a WHERE a.username = s.username"
                " ORDER BY a.id LIMIT 1) FROM subscriber s ORDER BY s.username"
            )
            return [{"username": u, "display_name": u, "number": n, "edition": None, "transport": None,
                     "port": None, "disabled": None} for u, n in rows]
        rows = self.sql(
            "SELECT username, display_name, number, edition, transport, port, disabled"
            " FROM provisioning ORDER BY username"
        )
        keys = ("username", "display_name", "number", "edition", "transport", "port", "disabled")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def aliases(self, number: str) -> list[str]:
        """Accounts a virtual number routes to, in Kamailio's order (lowest id first)."""
        rows = self.sql("SELECT username FROM dbaliases WHERE alias_username = ? ORDER BY id", (number,))
        return [r[0] for r in rows]

    # ---------- accounting ----------
    def acc_rows(self, method: str | None = None, since_id: int = 0, table: str = "acc") -> list[AccRow]:
        """Rows of ``acc`` (or ``missed_calls``) after ``since_id``; columns a stock lab lacks are None."""
        query = f"SELECT * FROM {table} WHERE id > ?"
        args: tuple[Any, ...] = (since_id,)
        if method:
            query += " AND method = ?"
            args += (method,)
        with self.connect() as con:
            con.row_factory = sqlite3.Row
            rows = [dict(r) for r in con.execute(query + " ORDER BY id", args).fetchall()]
        return [
            AccRow(
                r["id"], r["method"], int(r["sip_code"]), r["sip_reason"], r["callid"], _int(r.get("time_epoch")),
                _text(r.get("src_user")), _text(r.get("src_ip")), _text(r.get("proto")), _text(r.get("dst_ouser")),
                _text(r.get("dst_user")), _text(r.get("auth_result")), _text(r.get("user_agent")),
                _int(r.get("expires")),
            )
            for r in rows
        ]

    def wait_acc_rows(
        self, method: str | None = None, since_id: int = 0, count: int = 1, timeout: float = 3.0,
        table: str = "acc",
    ) -> list[AccRow]:
        """acc rows after ``since_id`` once there are ``count`` of them (or what is there after
        ``timeout``). tm writes the row of a relayed INVITE just *after* it forwarded the final
        reply, so the caller can know the outcome some milliseconds before the DB does."""
        end = time.monotonic() + timeout
        rows = self.acc_rows(method, since_id, table)
        while len(rows) < count and time.monotonic() < end:
            time.sleep(0.02)
            rows = self.acc_rows(method, since_id, table)
        return rows

    def last_acc_id(self, table: str = "acc") -> int:
        return int(self.sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0][0])

    # ---------- faults ----------
    def break_database(self) -> None:
        """Make the accounts tables unavailable: Kamailio's auth_db then fails every digest check
        (`get_ha1(): failed to query database` in its log), probes' SQL fails with 'no such table'."""
        with self.connect() as con:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for table in _BROKEN_TABLES:
                if table in names:
                    con.execute(f"ALTER TABLE {table} RENAME TO {table}{_BROKEN_SUFFIX}")

    def restore_database(self) -> None:
        with self.connect() as con:
            for table in _BROKEN_TABLES:
                names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if f"{table}{_BROKEN_SUFFIX}" in names:
                    con.execute(f"ALTER TABLE {table}{_BROKEN_SUFFIX} RENAME TO {table}")
