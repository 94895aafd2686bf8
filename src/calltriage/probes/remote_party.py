"""``directory.remote_party``: is the other party's configuration in conflict on the server?

For the callee (by name or number): its numbers, where each routes, who each is provisioned
for (when the server keeps provisioning records), whether the account is disabled, and its live
registrations. Each conflict is listed: a number assigned to several accounts, a number of the
callee that routes elsewhere, a dialled number provisioned for another account than the one it
routes to, a provisioned number that routes nowhere, a disabled account, several live
registrations from different devices or app instances."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.backends.port import need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    FAIL,
    OK,
    BaseProbe,
    Verdict,
    looks_like_number,
    optional,
    party_ident,
    resolve_account,
)
from calltriage.probes.kit import ProbeKit


class RemotePartyProbe(BaseProbe):
    name: ClassVar[str] = "directory.remote_party"
    title: ClassVar[str] = "Is the other party's configuration in conflict on the server?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    needs: ClassVar[tuple[str, ...]] = ("directory", "number_routes")
    optional: ClassVar[tuple[str, ...]] = ("registrations",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        typed = party_ident(ctx, params, "account", "callee")
        acct = await resolve_account(kit, typed)
        if acct is None:
            return Verdict(FAIL, f"the number {typed} is not assigned to any account", {"typed": typed})
        user = acct.username
        backend = kit.backend
        entry = need(await backend.directory(user))
        conflicts: list[str] = []
        numbers = set(entry.numbers)
        provisioned = entry.app.number if entry.app is not None and entry.app.origin == "account" else None
        if provisioned:
            numbers.add(provisioned)
        if looks_like_number(typed):
            numbers.add(typed)
        ev: dict[str, Any] = {"account": user, "numbers": sorted(numbers), "directory": entry.evidence()}
        if entry.disabled:
            conflicts.append(f"{user}'s account is disabled")
        duplicates: list[dict[str, Any]] = []
        for number in sorted(numbers):
            routes = need(await backend.number_routes(number))
            if len(routes.accounts) > 1:
                who = list(routes.accounts)
                duplicates.append({"number": number, "accounts": who, "routes_to": routes.routes_to})
                reach = "all of them" if routes.forks else f"{routes.routes_to} only"
                conflicts.append(f"{number} is assigned to {len(who)} accounts ({', '.join(who)}); calls reach {reach}")
            elif routes.routes_to is None:
                conflicts.append(f"{number} is provisioned for {user} but routes nowhere")
            elif routes.routes_to != user:
                conflicts.append(f"{number} routes to {routes.routes_to}, not to {user}")
            if number == typed and routes.provisioned_for is not None:
                # The dialled number may be provisioned for someone else than the account it
                # routes to (a stale or mistyped routing row).
                others = [u for u in routes.provisioned_for if u != routes.routes_to]
                if others and routes.routes_to is not None:
                    conflicts.append(
                        f"{number} is provisioned for {', '.join(others)} but routes to {routes.routes_to}"
                    )
        ev["duplicates"] = duplicates
        reg = optional(await backend.registrations(user))
        if reg is not None:
            ev["registration"] = reg.evidence()
            devices = {c.call_id for c in reg.contacts}
            if len(reg.contacts) > 1 and len(devices) > 1:
                agents = sorted({str(c.user_agent) for c in reg.contacts})
                conflicts.append(
                    f"{user} has {len(reg.contacts)} live registrations from different devices or "
                    f"app instances ({', '.join(agents)}); stale ones may get the calls"
                )
        if conflicts:
            ev["conflicts"] = conflicts
            return Verdict(FAIL, "; ".join(conflicts), ev)
        return Verdict(OK, f"no conflict found for {user} (numbers: {', '.join(sorted(numbers)) or 'none'})", ev)
