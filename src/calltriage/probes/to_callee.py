"""``calls.to_callee`` (watch): can the user call the other party now? The caller's attempts
whose dialled or reached party is the callee or one of its virtual numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.probes.base import ProbeContext
from calltriage.probes.call_watch import call_verdict, watch_calls
from calltriage.probes.common import (
    Account,
    BaseProbe,
    Verdict,
    account_or_verdict,
    optional,
    party_ident,
    resolve_account,
)
from calltriage.probes.kit import ProbeKit


class ToCalleeProbe(BaseProbe):
    name: ClassVar[str] = "calls.to_callee"
    title: ClassVar[str] = "Can the user call the other party now?"
    params: ClassVar[tuple[str, ...]] = ("account", "target")
    watch: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("call_attempts",)
    optional: ClassVar[tuple[str, ...]] = ("number_routes",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        caller = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(caller, Verdict):
            return caller
        typed = party_ident(ctx, params, "target", "callee")
        # A number nobody owns: calls to it end in 404; still watch for them.
        callee = await resolve_account(kit, typed) or Account(typed, typed)
        numbers = optional(await kit.backend.numbers_of(callee.username)) or ()
        targets = sorted({callee.username, callee.typed, *callee.routes, *numbers})
        verdict = call_verdict(ctx, caller, await watch_calls(ctx, kit, caller, targets), f" to {callee.typed}")
        verdict.evidence.update(callee=callee.username, callee_numbers=targets)
        return verdict
