"""Probe tests run against the real lab; the server config is the one `calltriage lab up` writes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from calltriage.config import ServerSettings, load_server_settings
from calltriage.probes.base import Party, ProbeContext
from tests.lab_fixtures import LAB_CAST, kamailio_lab, lab_factory, user_agent_factory

__all__ = ["kamailio_lab", "lab_factory", "user_agent_factory"]


def settings_for(lab: Any, *, timeout: float = 15.0, transport: str = "tls") -> ServerSettings:
    """Probe deadlines are generous (a TLS handshake on a loaded box); a probe answers as soon as
    it has its evidence, so only tests of silence wait them out and those pass their own."""
    from calltriage_lab.labfiles import server_toml, write_secret

    for user in ("svc-a", "svc-b"):
        write_secret(lab.dir, user, LAB_CAST[user][0])
    toml_for: Callable[..., str] = server_toml
    if getattr(lab, "backend", "kamailio") == "privateserver":
        from calltriage_lab.privateserver.labfiles import server_toml as ps_server_toml

        toml_for = ps_server_toml
    text = toml_for(lab) + f'\n[probes]\ntimeout = {timeout}\ntransport = "{transport}"\nrate = 1000\n'
    path = Path(lab.dir) / "probe-test.toml"
    path.write_text(text)
    return load_server_settings(path)


@pytest.fixture
def lab_settings(kamailio_lab: Any) -> ServerSettings:
    return settings_for(kamailio_lab)


@pytest.fixture
def make_ctx() -> Callable[..., ProbeContext]:
    def make(
        settings: ServerSettings | None,
        caller: str = "alice",
        callee: str = "bob",
        *,
        since: datetime | None = None,
        wait: float = 0.0,
    ) -> ProbeContext:
        return ProbeContext(Party("caller", caller), Party("callee", callee), settings, since=since, wait=wait)

    return make


def now() -> datetime:
    return datetime.now(UTC)
