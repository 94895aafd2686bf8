"""Alembic environment: always run with a connection handed over by Store.upgrade()."""

from __future__ import annotations

from alembic import context

import calltriage.store.auth_models
import calltriage.store.job_models  # noqa: F401 - the triage job table too
from calltriage.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI
    raise SystemExit("run migrations with `calltriage init`, which passes the connection")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
