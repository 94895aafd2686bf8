"""Worlds for the backend contract (contract.py): one real server per backend, with its lab.

``kamailio`` is calltriage's lab as `calltriage lab up` starts it (a stock Kamailio plus the lab's
enrichments); ``kamailio-stock`` is the same Kamailio without any enrichment: Kamailio's stock
schema and acc settings only. A new backend adds its World here and to ``WORLDS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from calltriage.config import ServerSettings
from tests.lab_fixtures import kamailio_lab, lab_factory, user_agent_factory
from tests.probes.conftest import settings_for
from tests.probes.helpers import call, call_answered, register

__all__ = ["kamailio_lab", "lab_factory", "user_agent_factory"]


class KamailioWorld:
    name = "kamailio"

    def __init__(self, lab: Any) -> None:
        self.lab = lab
        self.records_refused_registers = lab.enrichments
        self.records_refused_calls = lab.enrichments
        self._settings = settings_for(lab)

    def settings(self) -> ServerSettings:
        return self._settings

    def register(self, user: str, *, password: str | None = None) -> int:
        return register(self.lab, user, "tls", password=password, user_agent="PrivateGSM/3.4.0 (Android)").code

    def answered_call(self, caller: str, callee: str, number: str) -> int:
        return call_answered(self.lab, caller, callee, number).code or 0

    def failed_call(self, caller: str, target: str) -> int:
        return call(self.lab, caller, target).code or 0

    def assign(self, number: str, user: str) -> None:
        self.lab.add_alias(number, user)

    def stop(self) -> None:
        self.lab.stop()


class PrivateServerWorld(KamailioWorld):
    """The PrivateServer lab: the same Kamailio behind the appliance's views, NRPE and console;
    it records refused REGISTERs and calls (V_AUTH_EVENT) and routed failures (V_CDR)."""

    name = "privateserver"

    def __init__(self, lab: Any) -> None:
        super().__init__(lab)
        self.records_refused_registers = True
        self.records_refused_calls = True


WORLDS: dict[str, Callable[[Any], Any]] = {
    "kamailio": lambda factory: KamailioWorld(factory()),
    "kamailio-stock": lambda factory: KamailioWorld(factory(enrichments=False)),
    "privateserver": lambda factory: PrivateServerWorld(factory(backend="privateserver")),
}


@pytest.fixture(params=sorted(WORLDS))
def world(request: pytest.FixtureRequest, lab_factory: Callable[..., Any]) -> Any:
    return WORLDS[request.param](lab_factory)

