"""Every backend's world against the server-port contract (contract.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backends.contract import CONTRACT_TESTS, Contract

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("test", CONTRACT_TESTS)
def test_backend_contract(world: Any, test: str) -> None:
    getattr(Contract(world), test)()
