"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import calltriage.store.auth_models  # registers the operator/webhook tables on Base
import calltriage.store.job_models  # noqa: F401 - and the triage job table
from calltriage.store import Store
from calltriage.store.models import Base


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.dispose()
    assert diff == []


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    store = Store(db_url)
    store.upgrade()
    store.ensure_ready()
    store.dispose()
