"""Fleet-wide helpers: all registrations in one dump, all duplicate numbers in one query,
an OPTIONS sweep."""

from __future__ import annotations

import asyncio

import pytest

from calltriage.probes.fleet import dump_registrations, duplicate_numbers
from calltriage.probes.kit import ProbeKit
from calltriage.sip.sweep import options_sweep
from tests.probes.conftest import settings_for
from tests.probes.helpers import register

pytestmark = pytest.mark.lab


def with_kit(settings, fn):
    async def go():
        kit = ProbeKit(settings)
        try:
            return await fn(kit)
        finally:
            kit.close()

    return asyncio.run(go())


def test_one_dump_gives_every_registration(lab_factory):
    lab = lab_factory()
    assert register(lab, "alice", "udp").ok and register(lab, "bob", "tcp").ok
    regs = with_kit(settings_for(lab), dump_registrations)
    assert set(regs) == {"alice", "bob"}
    assert regs["bob"][0]["transport"] == "tcp"


def test_one_query_finds_every_duplicated_number(lab_factory):
    lab = lab_factory()
    lab.duplicate_number("+15550002", "carol")
    lab.duplicate_number("+15550002", "dave")
    rows = with_kit(settings_for(lab), duplicate_numbers)
    assert [(r["number"], r["n"]) for r in rows] == [("+15550002", 3)]


def test_an_options_sweep_counts_answers_by_code(kamailio_lab):
    server = asyncio.run(options_sweep("127.0.0.1", kamailio_lab.sip_port, count=500, window=50))
    assert server.answered == 500 and server.codes == {200: 500} and server.lost == 0
    targets = asyncio.run(
        options_sweep(
            "127.0.0.1", kamailio_lab.sip_port, targets=["sip:nobody@lab.test", "sip:carol@lab.test"], window=2
        )
    )
    assert targets.by_target == {"sip:nobody@lab.test": 404, "sip:carol@lab.test": 480}


def test_a_sweep_of_a_frozen_server_reports_losses_instead_of_hanging(lab_factory):
    lab = lab_factory(cast=False)
    lab.freeze()
    try:
        r = asyncio.run(options_sweep("127.0.0.1", lab.sip_port, count=20, window=10, timeout=0.4))
    finally:
        lab.thaw()
    assert r.lost == 20 and r.answered == 0


def test_the_brief_dump_names_the_registered_accounts(lab_factory):
    from calltriage.probes.fleet import registered_aors

    lab = lab_factory()
    assert register(lab, "carol", "udp").ok
    assert with_kit(settings_for(lab), registered_aors) == {"carol"}
