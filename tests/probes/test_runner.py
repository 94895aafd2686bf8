"""The probe runner: deadlines, concurrency cap, plain errors (no server needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

import calltriage.probes.runner as runner_module
from calltriage.config import ServerSettings
from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.probes.base import Party, ProbeContext
from calltriage.probes.registry import get_probe, known_probe_names
from calltriage.probes.runner import ProbeRunner

PLAYBOOK_PROBES = {
    "client.version",
    "registrar.registration",
    "registrar.reconnection",
    "calls.test_call",
    "calls.to_callee",
    "directory.client_config",
    "sip.callee_liveness",
    "directory.remote_party",
    "network.server",
    "services.server",
    "clientlog.analysis",
}


def settings(**probes: Any) -> ServerSettings:
    return ServerSettings(server={"domain": "lab.test", "host": "127.0.0.1"}, probes=probes)


def ctx(s: ServerSettings | None, wait: float = 0.0) -> ProbeContext:
    return ProbeContext(Party("caller", "alice"), Party("callee", "bob"), s, wait=wait)


class Sleepy:
    name: ClassVar[str] = "test.sleepy"
    title: ClassVar[str] = "sleeps"
    params: ClassVar[tuple[str, ...]] = ()
    watch: ClassVar[bool] = False
    running = 0
    peak = 0

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    async def run(self, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult:
        type(self).running += 1
        type(self).peak = max(type(self).peak, type(self).running)
        try:
            await asyncio.sleep(self.seconds)
        finally:
            type(self).running -= 1
        return ProbeResult(self.name, ProbeStatus.OK, "slept")


class Broken:
    name: ClassVar[str] = "test.broken"
    title: ClassVar[str] = "raises"
    params: ClassVar[tuple[str, ...]] = ()

    async def run(self, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult:
        raise KeyError("secret-looking internals")


def test_every_probe_name_of_the_playbook_is_registered():
    assert known_probe_names() == PLAYBOOK_PROBES


@pytest.mark.parametrize("name", sorted(PLAYBOOK_PROBES - {"clientlog.analysis"}))
def test_each_registered_probe_loads_lazily_with_its_declared_name(name):
    probe = get_probe(name)
    assert probe.name == name and probe.title


def test_an_unknown_probe_is_an_error_result_naming_the_known_ones():
    with ProbeRunner() as runner:
        r = runner.run("nope.nothing", ctx(None))
    assert r.status is ProbeStatus.ERROR and "registrar.registration" in r.summary


def test_a_probe_over_its_deadline_becomes_an_error(monkeypatch):
    monkeypatch.setattr(runner_module, "get_probe", lambda name: Sleepy(5))
    with ProbeRunner() as runner:
        r = runner.run("test.sleepy", ctx(settings(timeout=0.2)))
    assert r.status is ProbeStatus.ERROR and "did not finish within 0.2 s" in r.summary


def test_an_unexpected_exception_becomes_a_plain_error_without_traceback(monkeypatch):
    monkeypatch.setattr(runner_module, "get_probe", lambda name: Broken())
    with ProbeRunner() as runner:
        r = runner.run("test.broken", ctx(settings()))
    assert r.status is ProbeStatus.ERROR
    assert "KeyError" in r.summary and "Traceback" not in r.summary and "secret-looking" not in r.summary


def test_the_concurrency_cap_per_server_holds(monkeypatch):
    Sleepy.peak = 0
    monkeypatch.setattr(runner_module, "get_probe", lambda name: Sleepy(0.05))
    s = settings(max_concurrency=2, rate=1000)

    async def many(runner: ProbeRunner) -> list[ProbeResult]:
        return await asyncio.gather(*(runner.arun("test.sleepy", ctx(s)) for _ in range(8)))

    with ProbeRunner() as runner:
        results = asyncio.run(many(runner))
    assert all(r.status is ProbeStatus.OK for r in results)
    assert Sleepy.peak == 2


def test_a_probe_without_server_settings_says_what_to_configure():
    with ProbeRunner() as runner:
        r = runner.run("registrar.registration", ctx(None))
    assert r.status is ProbeStatus.ERROR and "no SIP server is configured" in r.summary


def test_probes_without_their_integration_configured_return_error(tmp_path: Path):
    s = settings(timeout=1)
    with ProbeRunner() as runner:
        reg = runner.run("registrar.registration", ctx(s))
        calls = runner.run("calls.test_call", ctx(s))
        version = runner.run("client.version", ctx(s))
    assert reg.status is ProbeStatus.ERROR and "jsonrpc_url" in reg.summary
    assert calls.status is ProbeStatus.ERROR and "accounts_db_url" in calls.summary
    assert version.status is ProbeStatus.ERROR and "min_client_version" in version.summary
