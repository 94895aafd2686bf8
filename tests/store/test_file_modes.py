"""The SQLite database, its WAL/SHM files and the generated secret key are readable by their owner only."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from calltriage.store import Store
from calltriage.web.settings import SECRET_FILE, generated_secret


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default: files 0644, readable by everyone
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_wal_and_shm_files_are_0600(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "calltriage.sqlite"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    with store.engine.connect() as conn:  # keep a connection open: the -wal and -shm files exist
        conn.execute(text("SELECT 1"))
        files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
        assert all(f.exists() for f in files)
        assert [mode(f) for f in files] == [0o600, 0o600, 0o600]
    store.dispose()


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "old.sqlite"
    Store(f"sqlite:///{db}").upgrade()
    os.chmod(db, 0o644)
    Store(f"sqlite:///{db}").ensure_ready()
    assert mode(db) == 0o600


def test_the_generated_secret_key_file_is_0600(tmp_path: Path, open_umask: None) -> None:
    key = generated_secret(tmp_path)
    assert mode(tmp_path / SECRET_FILE) == 0o600
    os.chmod(tmp_path / SECRET_FILE, 0o644)
    assert generated_secret(tmp_path) == key
    assert mode(tmp_path / SECRET_FILE) == 0o600
