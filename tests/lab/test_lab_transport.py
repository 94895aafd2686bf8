"""The lab accepts app traffic only as the real service would: TLS for accounts provisioned with TLS."""

from __future__ import annotations

import asyncio

import pytest

from tests.sip.helpers import agent

pytestmark = pytest.mark.lab


def _register(lab, user: str, transport: str):
    async def scenario():
        async with agent(lab, user, transport) as ua:
            return await ua.register(timeout=5, expires=60)

    return asyncio.run(scenario())


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_a_tls_account_registering_over_another_transport_is_refused_with_a_clear_code(lab_factory, transport):
    lab = lab_factory(tls_only=True)
    since = lab.db.last_acc_id()
    refused = _register(lab, "alice", transport)
    assert (refused.code, refused.reason) == (403, "TLS required")
    (row,) = lab.db.wait_acc_rows("REGISTER", since, 1, timeout=30)
    assert (row.sip_code, row.auth_result, row.proto) == (403, "tls-required", transport)
    assert lab.contacts("alice") == []
    assert lab.log_lines("AUTH_FAIL tls required")
    assert _register(lab, "alice", "tls").code == 200


def test_an_account_provisioned_for_udp_still_registers_over_udp(lab_factory):
    lab = lab_factory(tls_only=True)
    lab.add_account("erin", "erin-pw", "+15550005", transport="udp", port=lab.sip_port)

    async def scenario():
        async with agent(lab, "erin", "udp", password="erin-pw") as ua:
            return await ua.register(timeout=5, expires=60)

    assert asyncio.run(scenario()).code == 200


def test_without_tls_only_the_lab_accepts_any_transport(lab_factory):
    lab = lab_factory()
    assert _register(lab, "alice", "udp").code == 200
