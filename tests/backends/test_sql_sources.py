"""The kamailio backend on a real MariaDB (PyMySQL, `mysql://` URL) and PostgreSQL with
Kamailio's standard schema: evidence from standard tables, and every third-party failure (missing
driver, grant, table, refused connection) translated into "cannot tell", never a server fault."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from calltriage.backends.port import CallAttempts, CannotTell, DirectoryEntry, NumberRoutes
from calltriage.config import load_server_settings
from tests.backends.contract import ask, backend_for
from tests.backends.stock_schema import ROWS, call_row, tables
from tests.support import require

MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root"}
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def settings(tmp_path: Path, url: str, **extra: str) -> Any:
    lines = ["[server]", 'domain = "lab.test"', 'host = "127.0.0.1"', f'accounts_db_url = "{url}"']
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    path = tmp_path / "server.toml"
    path.write_text("\n".join(lines) + "\n")
    return load_server_settings(path)


def _mariadb() -> Any:
    import pymysql

    try:
        return pymysql.connect(**MARIADB, autocommit=True, connect_timeout=5)
    except pymysql.MySQLError as exc:
        require(False, f"MariaDB at 127.0.0.1:3306 ({exc.__class__.__name__})")
        raise


@pytest.fixture
def mariadb(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A database with Kamailio's standard tables and a read-only user granted all but acc."""
    con = _mariadb()
    name = f"ct_kam_{uuid.uuid4().hex[:10]}"
    user, password = f"ct_ro_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    cur = con.cursor()
    cur.execute(f"CREATE DATABASE {name}")
    cur.execute(f"USE {name}")
    for sql in tables("INT AUTO_INCREMENT PRIMARY KEY", "DATETIME") + ROWS:
        cur.execute(sql)
    cur.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'")
    for table in ("subscriber", "dbaliases", "missed_calls"):
        cur.execute(f"GRANT SELECT ON {name}.{table} TO '{user}'@'127.0.0.1'")
    monkeypatch.setenv("CALLTRIAGE_SERVER__ACCOUNTS_DB_PASSWORD", password)
    try:
        yield {"db": name, "user": user, "root_url": f"mysql://root@127.0.0.1:3306/{name}",
               "ro_url": f"mysql://{user}@127.0.0.1:3306/{name}"}
    finally:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")
        con.close()


def test_a_mysql_url_reads_the_standard_tables_with_the_shipped_driver(mariadb, tmp_path, monkeypatch):
    monkeypatch.delenv("CALLTRIAGE_SERVER__ACCOUNTS_DB_PASSWORD")
    backend = backend_for(settings(tmp_path, mariadb["root_url"]))
    entry = ask(backend, lambda b: b.directory("alice"))
    assert isinstance(entry, DirectoryEntry) and entry.exists and entry.numbers == ("+15550001",)
    # a stock Kamailio has no provisioning table: "disabled" is unknown, and the entry says why
    assert entry.disabled is None and "no provisioning table" in entry.notes[0]
    routes = ask(backend, lambda b: b.number_routes("+15550002"))
    assert isinstance(routes, NumberRoutes) and routes.accounts == ("bob",) and routes.provisioned_for is None
    backend.close()


def test_acc_time_is_read_in_the_servers_time_zone(mariadb, tmp_path, monkeypatch):
    monkeypatch.delenv("CALLTRIAGE_SERVER__ACCOUNTS_DB_PASSWORD")
    con = _mariadb()
    # 12:00:30 in Rome (UTC+1 in November) is 11:00:30 UTC
    cur = con.cursor()
    cur.execute(f"USE {mariadb['db']}")
    cur.execute(call_row("acc", "2026-11-30 12:00:30", "200", "+15550002", "bob"))
    cur.execute(call_row("missed_calls", "2026-11-30 12:00:40", "486", "+15550002", "bob"))
    con.close()
    backend = backend_for(settings(tmp_path, mariadb["root_url"], timezone="Europe/Rome"))
    found = ask(backend, lambda b: b.call_attempts("alice", datetime(2026, 11, 30, 11, 0, 0, tzinfo=UTC)))
    assert isinstance(found, CallAttempts)
    assert [(a.time, a.code, a.source, a.failed_side) for a in found.attempts] == [
        (datetime(2026, 11, 30, 11, 0, 30, tzinfo=UTC), 200, "acc", None),
        (datetime(2026, 11, 30, 11, 0, 40, tzinfo=UTC), 486, "missed_calls", "callee"),
    ]
    later = ask(backend, lambda b: b.call_attempts("alice", datetime(2026, 11, 30, 11, 0, 35, tzinfo=UTC)))
    assert isinstance(later, CallAttempts) and [a.code for a in later.attempts] == [486]
    backend.close()


def test_a_missing_grant_is_cannot_tell_and_never_a_server_fault(mariadb, tmp_path):
    import os

    password = os.environ["CALLTRIAGE_SERVER__ACCOUNTS_DB_PASSWORD"]
    backend = backend_for(settings(tmp_path, mariadb["ro_url"]))
    # acc is not granted: the call records cannot be read, the routed failures still can
    found = ask(backend, lambda b: b.call_attempts("alice", datetime(2026, 1, 1, tzinfo=UTC)))
    assert isinstance(found, CallAttempts) and "acc" in found.unavailable
    assert "read-only grant" in found.unavailable["acc"]
    assert password not in found.unavailable["acc"]  # never the secret
    entry = ask(backend, lambda b: b.directory("alice"))  # granted tables still answer
    assert isinstance(entry, DirectoryEntry) and entry.exists
    backend.close()


def test_a_missing_table_and_a_refused_connection_are_cannot_tell(mariadb, tmp_path, monkeypatch):
    monkeypatch.delenv("CALLTRIAGE_SERVER__ACCOUNTS_DB_PASSWORD")
    con = _mariadb()
    cur = con.cursor()
    cur.execute(f"DROP TABLE {mariadb['db']}.subscriber")
    con.close()
    backend = backend_for(settings(tmp_path, mariadb["root_url"]))
    entry = ask(backend, lambda b: b.directory("alice"))
    assert isinstance(entry, CannotTell) and "doesn't exist" in entry.reason
    assert "does not have this table" in entry.reason
    parts = {p.name: p for p in ask(backend, lambda b: b.services(3.0))}
    assert parts["accounts_db"].status == "unknown"  # calltriage could not look: not a fault
    backend.close()
    refused = backend_for(settings(tmp_path, "mysql://root@127.0.0.1:1/kamailio"))
    answer = ask(refused, lambda b: b.number_routes("+15550001"))
    assert isinstance(answer, CannotTell) and "is the database running" in answer.reason
    assert {p.name: p.status for p in ask(refused, lambda b: b.services(3.0))}["accounts_db"] == "unknown"
    refused.close()


def test_a_missing_driver_is_cannot_tell(tmp_path):
    # mysqlclient (MySQLdb) is not installed: a URL that names it cannot be read
    backend = backend_for(settings(tmp_path, "mysql+mysqldb://root@127.0.0.1:3306/kamailio"))
    answer = ask(backend, lambda b: b.directory("alice"))
    assert isinstance(answer, CannotTell) and "is not installed" in answer.reason
    parts = {p.name: p for p in ask(backend, lambda b: b.services(3.0))}
    assert parts["accounts_db"].status == "unknown" and parts["accounts_db"].evidence["problem"] == "driver"
    backend.close()


@pytest.fixture
def postgres() -> Iterator[str]:
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        require(False, f"PostgreSQL at 127.0.0.1:5432 ({exc.__class__.__name__})")
        raise
    name = f"ct_kam_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as con:
            for sql in tables("SERIAL PRIMARY KEY", "TIMESTAMP WITHOUT TIME ZONE") + ROWS:
                con.execute(sql)
            con.execute(call_row("missed_calls", "2026-11-30 12:00:40", "480", "+15550002", "bob"))
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_postgresql_reads_the_standard_tables_and_local_times(postgres, tmp_path):
    backend = backend_for(settings(tmp_path, postgres, timezone="Europe/Rome"))
    entry = ask(backend, lambda b: b.directory("bob"))
    assert isinstance(entry, DirectoryEntry) and entry.exists and entry.numbers == ("+15550002",)
    found = ask(backend, lambda b: b.call_attempts("alice", datetime(2026, 11, 30, 11, 0, 0, tzinfo=UTC)))
    assert isinstance(found, CallAttempts)
    assert [(a.time.hour, a.code, a.failed_side) for a in found.attempts] == [(11, 480, "callee")]
    missing = ask(backend, lambda b: b.registration_events("alice", datetime(2026, 11, 30, tzinfo=UTC)))
    # no REGISTER rows on a stock Kamailio, no control interface configured: evidence from acc only
    assert not isinstance(missing, CannotTell) and missing.events == () and missing.sources == ("accounting",)
    backend.close()
