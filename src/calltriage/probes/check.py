"""``calltriage server check``: validate the configuration and reach each part of the server,
one plain line per part."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from calltriage.config import ServerSettings
from calltriage.probes import health
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


async def check_server_async(settings: ServerSettings) -> list[CheckLine]:
    kit = ProbeKit(settings)
    t = settings.probes.timeout
    try:
        lines = [CheckLine("config", "ok", f"configuration valid ({settings.source or 'environment'})")]
        # The TLS handshake goes first and alone (concurrent handshakes crash Kamailio 5.6.3).
        lines.append(await _tls(kit, t))
        parts: list[health.Part] = list(
            await asyncio.gather(health.sip_options(kit, t), health.control(kit, t), health.accounts_db(kit, t))
        )
        for role in sorted(settings.server.service_accounts):
            parts.append(await health.register_account(kit, role, t))
        parts += await asyncio.gather(health.console(kit, t), health.ssh_banner(kit, t), health.metrics(kit, t))
        if not settings.server.service_accounts:
            parts.append(
                health.Part(
                    "service_accounts",
                    "warn",
                    "no service accounts configured: the test call and OPTIONS-through checks "
                    "cannot run (add [server.service_accounts.a] and .b)",
                )
            )
        lines += [CheckLine(p.name, p.status, p.detail) for p in parts]
        return lines
    finally:
        kit.close()


def check_server(settings: ServerSettings) -> list[CheckLine]:
    """Reach every configured part of the server; never raises for a broken server."""
    return asyncio.run(check_server_async(settings))
