"""Shared helpers for tests."""

from __future__ import annotations

import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, what: str) -> None:
    """Skip when a component is missing on a developer machine; fail under CI (CI=true).

    A test that silently skips in CI would claim coverage it does not give.
    """
    if condition:
        return
    message = f"missing component: {what} (run `make test`, which installs it)"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


def require_executable(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"executable {name!r}")
    assert path is not None
    return path
