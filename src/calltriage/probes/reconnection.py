"""``registrar.reconnection`` (watch): did the app register again after the operator asked?

Polls the port's registration events since ``ctx.since``. Sub-second records (an accounting
table with microseconds) decide when the server has them, so a refresh in the same second as
the request does not count; otherwise the registrar's whole seconds must do. A REGISTER the
server refused still proves the app reconnected: the connection works, and the next steps
(test call, client configuration) find what does not."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from calltriage.backends.port import RegistrationEvent, RegistrationEvents, need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    ERROR,
    OK,
    SILENT,
    BaseProbe,
    Verdict,
    account_or_verdict,
    iso,
    optional,
    party_ident,
    since_utc,
)
from calltriage.probes.kit import ProbeKit


def _counted(events: RegistrationEvents, since: datetime) -> list[RegistrationEvent]:
    """The events after the request (``events`` are read from the start of its second).

    Sub-second records count from ``since``. A whole-second record (the registrar's refresh time)
    in the same second as the request is ambiguous (maybe just before it): a sub-second source
    that recorded a REGISTER in that second settles it; one that recorded nothing there lost the
    row (e.g. its database was write-locked), so it must not hide what the registrar saw."""
    floor = since.replace(microsecond=0)
    precise_then = any(e.precise and e.time.replace(microsecond=0) == floor for e in events.events)
    out: list[RegistrationEvent] = []
    for e in events.events:
        second = e.time.replace(microsecond=0)
        if e.precise:
            if e.time >= since:
                out.append(e)
        elif second > floor or (second == floor and not (events.precise_sources and precise_then)):
            out.append(e)
    return out


class ReconnectionProbe(BaseProbe):
    name: ClassVar[str] = "registrar.reconnection"
    title: ClassVar[str] = "Did the app register again after the forced reconnection?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    watch: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("registration_events",)
    poll_interval: ClassVar[float] = 0.5

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            return acct
        since = since_utc(ctx)
        floor = since.replace(microsecond=0)
        loop = asyncio.get_running_loop()
        end = loop.time() + max(0.0, ctx.wait)
        polls = 0
        while True:
            polls += 1
            events = need(await kit.backend.registration_events(acct.username, floor))
            counted = _counted(events, since)
            base = {"account": acct.username, "since": iso(since), "sources": list(events.sources), "polls": polls}
            accepted = [e for e in counted if e.kind == "registered"]
            if accepted:
                e = accepted[-1]
                where = f" over {e.transport.upper()}" if e.transport else ""
                return Verdict(
                    OK, f"{acct.who} registered again{where} after the request", {**base, "event": e.evidence()}
                )
            refused = [e for e in counted if e.kind == "refused"]
            if refused:
                last = refused[-1]
                why = f" ({last.cause})" if last.cause else ""
                return Verdict(
                    OK,
                    f"{acct.who} reconnected: its REGISTER reached the server but was refused with "
                    f"{last.code} {last.reason}{why}",
                    {**base, "register_failures": [e.evidence() for e in refused]},
                )
            if loop.time() + self.poll_interval > end:
                break
            await asyncio.sleep(self.poll_interval)
        ev: dict[str, Any] = {**base, "waited": ctx.wait, "unavailable": dict(events.unavailable)}
        if events.unavailable:
            # Silence from the sources that answered proves nothing while another is unreadable.
            why = "; ".join(events.unavailable.values())
            return Verdict(ERROR, f"could not tell whether {acct.who} reconnected: {why}", ev)
        reg = optional(await kit.backend.registrations(acct.username))
        if reg is not None:
            ev.update(reg.evidence())
        ev["watched"] = f"REGISTER and connection events of {acct.username} ({', '.join(events.sources)})"
        if events.sees_refusals is False:
            ev["sees_refusals"] = False
        # Silence is not evidence: maybe the user has not acted yet. The operator decides.
        refusals = "" if events.sees_refusals is not False else (
            " (this server does not record refused REGISTERs: one refused would not show here)")
        return Verdict(SILENT, f"no evidence yet: no REGISTER from {acct.who} reached the server within "
                       f"{ctx.wait:g} s{refusals}", ev)
