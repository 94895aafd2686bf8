"""A database that fails at the CLI gives one clear line naming the problem and the fix."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.cli_runner import cli


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("command", [["init"], ["incident", "list"], ["incident", "show", "1"]])
def test_a_corrupt_sqlite_file_is_named_with_the_fix(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "calltriage.sqlite"
    db.write_bytes(b"this is not a database, it was overwritten by a text editor\n" * 200)
    result = cli(*command, db=str(db))
    assert result.code != 0
    assert result.err.count("\n") == 1 and "unexpected" not in result.err
    assert "is not a SQLite database or is damaged" in result.err and "restore it from a backup" in result.err


@pytest.mark.parametrize("command", [["init"], ["incident", "list"]])
def test_postgresql_down_is_named_with_the_fix(command: list[str]) -> None:
    url = f"postgresql+psycopg://calltriage@127.0.0.1:{closed_port()}/calltriage"
    result = cli(*command, db=url)
    assert result.code != 0
    assert result.err.count("\n") == 1 and "unexpected" not in result.err
    assert result.err.startswith("Error: cannot reach the database") and "check that the server runs" in result.err
