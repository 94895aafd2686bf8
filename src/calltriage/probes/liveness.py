"""``sip.callee_liveness``: is the other party registered AND does its device answer?

A registration can outlive the app (killed without un-REGISTER, phone offline): usrloc
still lists the contact until it expires. A SIP OPTIONS through the server to the AOR
reaches the device over its own connection (Kamailio relays it like a call, but nothing
rings); silence (UDP: tm's fr_timer, 408) or 477 (TCP/TLS connection gone) means stale.

A callee typed as a virtual number assigned to several accounts is a conflict, not a party
that is or is not registered: ``warn`` (the playbook sends it to the remote-party check).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.backends.port import need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import ERROR, FAIL, OK, WARN, BaseProbe, Verdict, account_or_verdict, party_ident
from calltriage.probes.kit import ProbeKit
from calltriage.sip import FailureKind, SipTransportError

# Answers the proxy gives itself when it could not reach the device.
_UNREACHED = {
    404: "the server does not know the user",
    408: "no answer from the device",
    477: "the device's connection is gone",
    480: "no live registration",
    500: "server error",
    503: "the device could not be reached",
}


class CalleeLivenessProbe(BaseProbe):
    name: ClassVar[str] = "sip.callee_liveness"
    title: ClassVar[str] = "Is the other party's device connected and registered?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    needs: ClassVar[tuple[str, ...]] = ("registrations",)
    service_accounts: ClassVar[tuple[str, ...]] = ("a",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        typed = party_ident(ctx, params, "account", "callee")
        acct = await account_or_verdict(kit, typed)
        if isinstance(acct, Verdict):
            return acct
        user = acct.username
        reg = need(await kit.backend.registrations(user))
        ev: dict[str, Any] = {"account": user, **reg.evidence()}
        conflict = acct.conflict()
        if conflict is not None:
            # Whose device is "the other party"? The number is in conflict: neither "registered"
            # nor "not registered" is the answer; the remote-party check (level 2) is.
            ev["number_routes"] = list(acct.routes)
            state = "registered" if reg.registered else "not registered"
            return Verdict(WARN, f"{conflict} ({user} is {state}): a conflict on the other party's number, "
                           "for the remote-party check", ev)
        if not reg.registered:
            return Verdict(FAIL, f"{user} is not registered, so the device is not connected", ev)
        creds = kit.credentials("a")
        if creds is None:
            return Verdict(
                ERROR,
                f"{user} is registered, but checking the device needs service account 'a' "
                "(server.service_accounts.a with a password)",
                ev,
            )
        ua = kit.agent("a")
        target = f"sip:{user}@{kit.settings.server.domain}"
        await kit.limiter.acquire()
        try:
            answer = await ua.options(target, timeout=kit.op_timeout(0.8))
        except SipTransportError as exc:
            if exc.kind is FailureKind.TIMEOUT:
                ev["options"] = {"error": str(exc)}
                return Verdict(FAIL, f"{user} is registered but the device does not answer ({exc})", ev)
            raise
        ev["options"] = {
            "code": answer.code,
            "reason": answer.reason,
            "rtt_ms": round(answer.rtt * 1000, 2),
            "answered_by": answer.server,
        }
        if answer.code in (401, 407):
            return Verdict(
                ERROR, f"the server rejected service account 'a' ({answer.code} {answer.reason}); fix its password", ev
            )
        if answer.code in _UNREACHED:
            return Verdict(
                FAIL,
                f"{user} is registered but the device does not answer "
                f"({answer.code} {answer.reason}: {_UNREACHED[answer.code]})",
                ev,
            )
        # Any other answer (200, or 405/501 from a client without OPTIONS) came from the device.
        return Verdict(
            OK,
            f"{user} is registered and the device answers ({answer.code} {answer.reason}, {answer.rtt * 1000:.1f} ms)",
            ev,
        )
