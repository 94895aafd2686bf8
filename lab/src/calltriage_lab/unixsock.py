"""Unix sockets at paths of any length (a lab folder deep in a temp tree): ``sun_path`` holds
only 108 bytes, so bind and connect through ``/proc/self/fd/<dir fd>/<name>`` instead."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _via_fd(path: Path) -> tuple[int, str]:
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    return fd, f"/proc/self/fd/{fd}/{path.name}"


def bind(sock: socket.socket, path: Path) -> None:
    fd, short = _via_fd(path)
    try:
        sock.bind(short)
    finally:
        os.close(fd)


def connect(sock: socket.socket, path: Path) -> None:
    fd, short = _via_fd(path)
    try:
        sock.connect(short)
    finally:
        os.close(fd)
