"""Fixtures shared by every test tier.

``db_url`` is parametrized over SQLite and PostgreSQL, so every test that touches the store
runs on both. PostgreSQL databases are cloned from a migrated template (CREATE DATABASE …
TEMPLATE), one per test, and dropped afterwards; set CALLTRIAGE_TEST_DB=sqlite to run the
SQLite half only while iterating.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from calltriage.store import Store
from tests.support import require

pytest_plugins = ["tests.lab_fixtures"] if (Path(__file__).parent / "lab_fixtures.py").exists() else []

PG_ADMIN_URL = os.environ.get("CALLTRIAGE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parents[1]


def _backends() -> list[str]:
    chosen = os.environ.get("CALLTRIAGE_TEST_DB", "all")
    return ["sqlite", "postgresql"] if chosen == "all" else [chosen]


def _pg_admin() -> object:
    import psycopg

    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    try:
        conn = _pg_admin()
    except Exception as exc:
        require(False, f"PostgreSQL at {PG_ADMIN_URL} ({exc.__class__.__name__})")
        raise
    name = f"ct_tmpl_{uuid.uuid4().hex[:10]}"
    with conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    store = Store(_pg_url(name))
    store.upgrade()
    store.dispose()
    yield name
    with _pg_admin() as conn:  # type: ignore[attr-defined]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database (SQLite file or a PostgreSQL database of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'calltriage.sqlite'}"
        store = Store(url)
        store.upgrade()
        store.dispose()
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name = f"ct_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    with _pg_admin() as conn:  # type: ignore[attr-defined]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests whose subject is not the database."""
    url = f"sqlite:///{tmp_path / 'calltriage.sqlite'}"
    store = Store(url)
    store.upgrade()
    store.dispose()
    return url


@pytest.fixture(autouse=True, scope="session")
def _playbook_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The CLI's playbook cache goes to a folder of the test session, not the developer's home."""
    folder = tmp_path_factory.mktemp("playbook-cache")
    old = os.environ.get("CALLTRIAGE_CACHE_DIR")
    os.environ["CALLTRIAGE_CACHE_DIR"] = str(folder)
    yield
    if old is None:
        os.environ.pop("CALLTRIAGE_CACHE_DIR", None)
    else:
        os.environ["CALLTRIAGE_CACHE_DIR"] = old
