"""Probes (checks) by name. The names are a contract with the playbooks (docs/probes.md).

Imports are lazy: listing the names costs nothing, and a probe's dependencies (SQLAlchemy,
httpx, cryptography) load only when that probe runs.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from calltriage.errors import NotFound, ProbeUnavailable
from calltriage.probes.base import Probe

# name -> "module:Class"
_PROBES: dict[str, str] = {
    "client.version": "calltriage.probes.client_version:ClientVersionProbe",
    "registrar.registration": "calltriage.probes.registration:RegistrationProbe",
    "registrar.reconnection": "calltriage.probes.reconnection:ReconnectionProbe",
    "calls.test_call": "calltriage.probes.test_call:TestCallProbe",
    "calls.to_callee": "calltriage.probes.to_callee:ToCalleeProbe",
    "directory.client_config": "calltriage.probes.client_config:ClientConfigProbe",
    "directory.remote_party": "calltriage.probes.remote_party:RemotePartyProbe",
    "sip.callee_liveness": "calltriage.probes.liveness:CalleeLivenessProbe",
    "network.server": "calltriage.probes.network:ServerNetworkProbe",
    "services.server": "calltriage.probes.services:ServerServicesProbe",
    # written by the client-log colleague; listed so playbooks validate against one registry
    "clientlog.analysis": "calltriage.clientlog.probe:ClientLogProbe",
}


def known_probe_names() -> frozenset[str]:
    return frozenset(_PROBES)


@cache
def get_probe(name: str) -> Probe:
    """The probe registered as ``name``; ``NotFound`` (naming the known ones) otherwise."""
    target = _PROBES.get(name)
    if target is None:
        raise NotFound(f"unknown probe {name!r}; known probes: {', '.join(sorted(_PROBES))}")
    module, _, cls = target.partition(":")
    try:
        probe: Probe = getattr(import_module(module), cls)()
    except (ImportError, AttributeError) as exc:
        raise ProbeUnavailable(f"probe {name!r} is not installed ({exc}); check the calltriage installation") from None
    return probe
