"""``calltriage server check``: validate the configuration, reach each part of the server (one
plain line per part) and say which checks this server can answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from calltriage.config import ServerSettings
from calltriage.probes import health
from calltriage.probes.capabilities import probe_capabilities
from calltriage.probes.kit import ProbeKit
from calltriage.probes.network import tls_check


@dataclass(frozen=True, slots=True)
class CheckLine:
    part: str
    status: str  # "ok" | "warn" | "fail" | "skipped"
    detail: str

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "warn", "skipped")

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "status": self.status, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ServerReport:
    backend: str
    lines: list[CheckLine]
    capabilities: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)


async def _tls(kit: ProbeKit, timeout: float) -> CheckLine:
    out = await tls_check(kit, timeout)
    s = kit.settings.server
    if not out["ok"]:
        return CheckLine("tls_port", "fail", out["error"])
    cert = out.get("certificate") or {}
    return CheckLine(
        "tls_port",
        "ok",
        f"{s.host}:{s.tls_port} {out.get('tls_version')}, certificate valid for "
        f"{s.tls_name}, {cert.get('days_left')} days left",
    )


def _line(part: health.Part) -> CheckLine:
    # "unknown" = calltriage could not read the part: for a configuration check that is a failure
    # of the configuration (driver, grant, route), shown as such.
    return CheckLine(part.name, "fail" if part.status == "unknown" else part.status, part.detail)


async def check_server_async(settings: ServerSettings, playbook_probes: set[str] | None = None) -> ServerReport:
    kit = ProbeKit(settings)
    t = settings.probes.timeout
    backend_name = settings.server.backend
    try:
        lines = [CheckLine("config", "ok", f"configuration valid ({settings.source or 'environment'}), "
                                           f"backend {backend_name}")]
        # The TLS handshake goes first and alone (concurrent handshakes crash Kamailio 5.6.3).
        lines.append(await _tls(kit, t))
        backend = kit.backend
        options, server_parts = await asyncio.gather(health.sip_options(kit, t), backend.services(t))
        parts: list[health.Part] = [options, *server_parts]
        for role in sorted(settings.server.service_accounts):
            parts.append(await health.register_account(kit, role, t))
        if not settings.server.service_accounts:
            parts.append(
                health.Part(
                    "service_accounts",
                    "warn",
                    "no service accounts configured: the test call and OPTIONS-through checks "
                    "cannot run (add [server.service_accounts.a] and .b)",
                )
            )
        lines += [_line(p) for p in parts]
        caps = probe_capabilities(backend.capabilities(), settings, playbook_probes)
        return ServerReport(backend_name, lines, caps)
    finally:
        kit.close()


def check_server(settings: ServerSettings, playbook_probes: set[str] | None = None) -> ServerReport:
    """Reach every configured part of the server; never raises for a broken server."""
    return asyncio.run(check_server_async(settings, playbook_probes))

