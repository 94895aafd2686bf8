"""``services.server``: the server's services one by one - SIP OPTIONS, a real test call
between the two service accounts (the VoIP engine check), the control interface, the
accounts DB, and when configured the HTTPS console, SSH and machine metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.domain.model import ProbeStatus
from calltriage.probes import health
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import FAIL, OK, WARN, BaseProbe, Verdict
from calltriage.probes.kit import ProbeKit


async def _sip(kit: ProbeKit, timeout: float) -> list[health.Part]:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    options = await health.sip_options(kit, timeout * 0.3)
    failure = str(options.evidence.get("failure", ""))
    if options.status == "fail" and (failure in ("refused", "timeout") or failure.startswith("tls-")):
        # No point calling through a server that does not even answer OPTIONS.
        return [options, health.Part("test_call", "fail", "not attempted: the server does not answer SIP")]
    call = await health.test_call(kit, max(0.2, end - loop.time()))
    return [options, call]


class ServerServicesProbe(BaseProbe):
    name: ClassVar[str] = "services.server"
    title: ClassVar[str] = "Server services (VoIP engine test call, control, DB, console, SSH, resources)"
    params: ClassVar[tuple[str, ...]] = ()
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "ok", WARN: "ok", FAIL: "fault"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        t = kit.op_timeout(0.85)
        groups = await asyncio.gather(
            _sip(kit, t),
            health.control(kit, t),
            health.accounts_db(kit, t),
            health.console(kit, t),
            health.ssh_banner(kit, t),
            health.metrics(kit, t),
        )
        parts: list[health.Part] = []
        for g in groups:
            parts.extend(g if isinstance(g, list) else [g])
        ev = {p.name: p.to_dict() for p in parts}
        failed = [p for p in parts if p.status == "fail"]
        warned = [p for p in parts if p.status == "warn"]
        checked = [p.name for p in parts if p.status != "skipped"]
        if failed:
            return Verdict(FAIL, "server fault: " + "; ".join(f"{p.name}: {p.detail}" for p in failed), ev)
        if warned:
            return Verdict(WARN, "server works but " + "; ".join(p.detail for p in warned), ev)
        call = next((p for p in parts if p.name == "test_call"), None)
        return Verdict(
            OK, f"all server services answer ({', '.join(checked)})" + (f"; {call.detail}" if call else ""), ev
        )
