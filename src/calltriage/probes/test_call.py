"""``calls.test_call`` (watch): did the user's test call get through? Reads the account's call
attempts since the operator's request, with their final codes (answered or not), and locates a
failure: ``ok`` answered; ``warn`` the app's side worked (authenticated and routed) and the call
failed at the callee (480, 404 ... at the callee: not the caller's fault); ``fail`` refused
before routing (the caller's side) or failed at the server; ``silent`` no attempt seen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.probes.base import ProbeContext
from calltriage.probes.call_watch import call_verdict, watch_calls
from calltriage.probes.common import BaseProbe, Verdict, account_or_verdict, party_ident
from calltriage.probes.kit import ProbeKit


class TestCallProbe(BaseProbe):
    name: ClassVar[str] = "calls.test_call"
    title: ClassVar[str] = "Did the user's test call get through?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    watch: ClassVar[bool] = True
    needs: ClassVar[tuple[str, ...]] = ("call_attempts",)

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        caller = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(caller, Verdict):
            return caller
        return call_verdict(ctx, caller, await watch_calls(ctx, kit, caller), locate=True)
