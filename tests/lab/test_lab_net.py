"""Client-side networks are real: NAT that forgets, a blocked port, loss that heals, latency.

Each test runs the app (a PJSIP agent) inside a device namespace behind a masquerading router
namespace, against a private lab on the host. Needs root + iproute2/nftables/conntrack: skips
locally without them, fails under CI=true.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.sip.helpers import agent

pytestmark = pytest.mark.lab


def _options(lab, target: str, timeout: float = 30.0):
    async def scenario():
        async with agent(lab, "svc-a", "tls") as prober:
            return await prober.options(target, timeout=timeout)

    return asyncio.run(scenario())


def _dumped_contacts(lab, user: str) -> list[str]:
    aors = lab.rpc("ul.dump")["Domains"][0]["Domain"]["AoRs"]
    return [c["Contact"]["Address"] for a in aors if a["Info"]["AoR"] == user for c in a["Info"]["Contacts"]]


def test_the_device_registers_through_the_nat_router(lab_factory, client_network_factory, user_agent_factory):
    lab = lab_factory()
    net = client_network_factory(lab, "home")
    alice = user_agent_factory(lab, "alice", network=net)
    assert alice.register().code == 200
    (contact,) = lab.contacts("alice")
    # the server sees the router's public side, the contact carries the device's private address
    assert net.wan_ip in contact["Received"]
    assert net.device_ip in contact["Address"]
    assert any(net.device_ip in line for line in net.nat_bindings())


@pytest.mark.parametrize("transport", ["tls", "udp"])
def test_an_expired_nat_binding_leaves_a_registered_but_unreachable_contact(
    lab_factory, client_network_factory, user_agent_factory, transport
):
    lab = lab_factory()
    net = client_network_factory(lab, "home")
    alice = user_agent_factory(lab, "alice", network=net, transport=transport)
    assert alice.register().code == 200
    assert net.wan_ip in lab.contacts("alice")[0]["Received"]
    assert _options(lab, "sip:alice@lab.test").code == 200  # reachable while the binding lives
    assert net.expire_nat() >= 1
    answer = _options(lab, "sip:alice@lab.test")
    assert answer.code == 408  # the server's transaction timed out: nothing came back
    assert _dumped_contacts(lab, "alice")  # ... while the registrar still lists the contact


def test_a_nat_timeout_shorter_than_the_keepalive_expires_the_binding_by_itself(
    lab_factory, client_network_factory, user_agent_factory
):
    lab = lab_factory()
    net = client_network_factory(lab, "home", nat_timeout=2)
    alice = user_agent_factory(lab, "alice", network=net)
    assert alice.register().code == 200
    assert net.wait_nat_expired(timeout=120)  # PJSIP's TLS keep-alive comes every 90 s
    assert _options(lab, "sip:alice@lab.test").code == 408
    assert _dumped_contacts(lab, "alice")


def test_a_network_that_blocks_the_tls_port_stops_the_registration(
    lab_factory, client_network_factory, user_agent_factory
):
    lab = lab_factory()
    net = client_network_factory(lab, "office", block=("tls",))
    alice = user_agent_factory(lab, "alice", network=net)
    blocked = alice.register(timeout=5)
    assert not blocked.ok and blocked.code != 200
    assert net.dropped() >= 1  # the router's rule, not something else, stopped it
    assert "AOR not found" in str(_lookup_error(lab, "alice"))
    net.unblock()
    fresh = user_agent_factory(lab, "alice", network=net)
    assert fresh.register().code == 200


def _lookup_error(lab, user: str) -> object:
    from calltriage_lab import RpcError

    try:
        return lab.rpc("ul.lookup", "location", user)
    except RpcError as exc:
        return exc


def test_loss_drops_a_share_of_the_packets_and_heals_when_removed(lab_factory, client_network_factory):
    lab = lab_factory(cast=False)
    net = client_network_factory(lab, "mobile", loss=20)
    lossy = net.ping(200)
    # 20 % each way: about 64 % of the round trips survive; far from both 0 and 100 %
    assert 0.35 * lossy["sent"] < lossy["answered"] < 0.9 * lossy["sent"]
    assert net.dropped() > 0
    net.set_loss(0)
    healed = net.ping(200)
    assert healed["answered"] == healed["sent"] == 200


def test_latency_through_the_relay_delays_every_round_trip(lab_factory, client_network_factory, user_agent_factory):
    lab = lab_factory()
    net = client_network_factory(lab, "far", latency_ms=300)
    pings = net.ping(5)
    assert pings["answered"] == 5
    assert min(pings["rtt_ms"]) >= 600  # 300 ms each way (a lower bound: load only adds to it)
    alice = user_agent_factory(lab, "alice", network=net)
    assert alice.register(timeout=20).code == 200  # TLS works through the relay, certificate verified
    bob = user_agent_factory(lab, "bob", network=net, transport="tcp")
    assert bob.register(timeout=20).code == 200  # and SIP over TCP
