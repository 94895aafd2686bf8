"""``services.server``: the server's services one by one - SIP OPTIONS and a real test call
between the two service accounts (the VoIP engine check, with calltriage's SIP client), then
whatever the backend sees of the server's own services (control interface, DB, console,
monitoring, machine resources).

``fail`` lists the failed parts (findings about the server). A part calltriage could not read
(``unknown``: a missing driver, grant or route on calltriage's side) is listed in the evidence
and the summary but is never a server fault."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

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
    needs: ClassVar[tuple[str, ...]] = ("services",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        t = kit.op_timeout(0.85)
        sip, server = await asyncio.gather(_sip(kit, t), kit.backend.services(t))
        parts = [*sip, *server]
        ev = {p.name: p.to_dict() for p in parts}
        failed = [p for p in parts if p.status == "fail"]
        warned = [p for p in parts if p.status == "warn"]
        unknown = [p for p in parts if p.status == "unknown"]
        checked = [p.name for p in parts if p.status not in ("skipped", "unknown")]
        note = ("; could not check " + "; ".join(f"{p.name} ({p.detail})" for p in unknown)) if unknown else ""
        if failed:
            return Verdict(FAIL, "server fault: " + "; ".join(f"{p.name}: {p.detail}" for p in failed) + note, ev)
        if warned:
            return Verdict(WARN, "server works but " + "; ".join(p.detail for p in warned) + note, ev)
        call = next((p for p in parts if p.name == "test_call"), None)
        return Verdict(
            OK,
            f"all server services answer ({', '.join(checked)})" + (f"; {call.detail}" if call else "") + note,
            ev,
        )
