"""Which checks the configured server can answer: the backend's ``capabilities()`` (per port
question) combined with what each check asks (``needs``/``optional``/``service_accounts``).

``probe_capabilities(settings)`` -> ``{"registrar.registration": "yes", "sip.callee_liveness":
"no: ...", ...}`` for every probe the playbooks use; a check that needs nothing from the server
(``network.server``, ``clientlog.analysis``) is "yes"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from calltriage.backends.port import Capability
from calltriage.config import ServerSettings
from calltriage.errors import CalltriageError
from calltriage.probes.registry import get_probe, known_probe_names


def capability_of(name: str, caps: Mapping[str, Capability], settings: ServerSettings) -> str:
    try:
        probe = get_probe(name)
    except CalltriageError as exc:
        return f"no: {exc}"
    judge = getattr(probe, "capability", None)
    if judge is None:
        return "yes"
    accounts = {k: v for k, v in settings.server.service_accounts.items() if v.password is not None}
    result: str = judge(caps, accounts)
    return result


def probe_capabilities(
    caps: Mapping[str, Capability], settings: ServerSettings, names: Iterable[str] | None = None
) -> dict[str, str]:
    return {n: capability_of(n, caps, settings) for n in sorted(names or known_probe_names())}


def server_capabilities(settings: ServerSettings) -> dict[str, object]:
    """``{"backend": name, "capabilities": {probe: "yes" | "partial: ..." | "no: ..."}}`` from the
    configuration alone (no server is contacted): what the desk's admin page shows."""
    from calltriage.probes.kit import ProbeKit

    kit = ProbeKit(settings)
    try:
        caps = kit.backend.capabilities()
        return {"backend": settings.server.backend, "capabilities": probe_capabilities(caps, settings)}
    finally:
        kit.close()
