"""Persistence: SQLAlchemy 2 models, Alembic migrations, one Store per database URL."""

from calltriage.store.db import Store, default_db_url

__all__ = ["Store", "default_db_url"]
