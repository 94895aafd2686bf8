"""SQLite files readable by their owner only.

The database holds operators' password hashes, tokens, webhook secrets and client logs: it is
created 0600 before SQLite opens it (SQLite then creates its ``-wal`` and ``-shm`` files with
the database file's permissions), and an existing file of ours that others can read is
tightened to 0600, with its ``-wal``/``-shm`` companions.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE = 0o600
COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_sqlite_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if missing; tighten it and its companions if looser."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for suffix in COMPANIONS:
        tighten(path.with_name(path.name + suffix))


def tighten(path: Path) -> None:
    """chmod 0600 a file we own that group or others may read or write (no-op otherwise)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077 and info.st_uid == os.getuid():
        os.chmod(path, PRIVATE)
