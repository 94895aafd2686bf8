"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text

import calltriage.store.auth_models  # registers the operator/webhook tables on Base
import calltriage.store.job_models  # noqa: F401 - and the triage job table
from calltriage.store import Store
from calltriage.store.db import _alembic_config
from calltriage.store.models import Base


@contextmanager
def _downgraded(store: Store, url: str, revision: str) -> Iterator[Connection]:
    """The database taken back to ``revision``, in one transaction left open for rows of that era."""
    with store.engine.begin() as conn:
        cfg = _alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        yield conn


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.dispose()
    assert diff == []


def _schema(store: Store) -> dict[str, object]:
    """Tables with their columns, indexes, unique constraints and foreign keys, and the revision."""
    with store.engine.connect() as conn:
        insp = inspect(conn)
        tables = {
            name: (sorted((c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)),
                   sorted((i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                          for i in insp.get_indexes(name)),
                   sorted((u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(name)),
                   sorted((tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(name)))
            for name in insp.get_table_names()}
        versions = [row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))]
    return {"tables": tables, "alembic_version": versions}


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    store = Store(db_url)
    before = _schema(store)
    store.upgrade()
    store.ensure_ready()
    after = _schema(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.dispose()
    head = ScriptDirectory.from_config(_alembic_config(db_url)).get_current_head()
    assert before["alembic_version"] == [head]
    assert after == before
    assert diff == []


def test_the_webhook_migration_keeps_no_secret_url_in_existing_deliveries(db_url: str) -> None:
    from calltriage.services.webhooks import url_key

    store = Store(db_url)
    secret_url = "https://hooks.example.test/services/T01/B02/Sl4ckS3cret"
    with _downgraded(store, db_url, "0004_jobs") as conn:
        conn.execute(text(
            "INSERT INTO webhook_deliveries (event_id, incident_id, url, kind, payload, status, attempts, "
            "next_attempt_at, last_error, created_at) VALUES (1, 1, :url, 'incident.closed', '{}', 'pending', 0, "
            "CURRENT_TIMESTAMP, '', CURRENT_TIMESTAMP)"), {"url": secret_url})
    store.upgrade()
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT url, url_key FROM webhook_deliveries")).all()
    store.dispose()
    assert [tuple(r) for r in rows] == [("https://hooks.example.test/services/…", url_key(secret_url))]


def test_a_database_with_incidents_from_an_older_release_upgrades_and_keeps_them(db_url: str) -> None:
    """Adding the major-incident foreign key rebuilds ``incidents`` on SQLite while ``events``
    points at it: the upgrade must keep every incident and its timeline (it used to stop on
    "FOREIGN KEY constraint failed")."""
    store = Store(db_url)
    with _downgraded(store, db_url, "0004_jobs") as conn:
        conn.execute(text(
            "INSERT INTO incidents (caller, callee, summary, reporter, playbook_id, playbook_version, level, status,"
            " current_node, state, revision, opened_at, updated_at) VALUES ('alice', 'bob', 'cannot call', 'ana',"
            " 'user-cant-call-professional', 'v1', 1, 'open', 'intake.operational_requirements', '{}', 1,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        incident = conn.execute(text("SELECT id FROM incidents")).scalar_one()
        conn.execute(text(
            "INSERT INTO events (incident_id, seq, revision, kind, actor, level, note, data, at)"
            " VALUES (:i, 1, 1, 'opened', 'ana', 1, '', '{}', CURRENT_TIMESTAMP)"), {"i": incident})
    store.upgrade()
    with store.engine.connect() as conn:
        incidents = conn.execute(text("SELECT caller, callee, major_id FROM incidents")).all()
        events = conn.execute(text("SELECT incident_id, kind FROM events")).all()
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    store.dispose()
    assert [tuple(r) for r in incidents] == [("alice", "bob", None)]
    assert [tuple(r) for r in events] == [(incident, "opened")]
    assert version == ScriptDirectory.from_config(_alembic_config(db_url)).get_current_head()


def test_the_schema_head_the_store_expects_is_the_newest_migration(sqlite_db_url: str) -> None:
    from calltriage.store.db import SCHEMA_HEAD

    assert ScriptDirectory.from_config(_alembic_config(sqlite_db_url)).get_current_head() == SCHEMA_HEAD


def test_a_database_at_an_older_schema_is_refused_with_the_fix(sqlite_db_url: str) -> None:
    import pytest

    from calltriage.errors import CalltriageError

    store = Store(sqlite_db_url)
    with _downgraded(store, sqlite_db_url, "0004_jobs"):
        pass
    with pytest.raises(CalltriageError, match=r"schema version 0004_jobs.*run `calltriage init` to upgrade"):
        store.ensure_ready()
    store.upgrade()
    store.ensure_ready()
    store.dispose()
