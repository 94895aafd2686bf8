"""Call-attempt probes over the server's accounting table (``acc``: one row per INVITE with
its final code): did the user's test call get through, did the call to the callee."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.domain.model import ProbeStatus
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    ERROR,
    FAIL,
    OK,
    SILENT,
    Account,
    BaseProbe,
    Verdict,
    account_or_verdict,
    code_words,
    iso,
    party_ident,
    resolve_account,
    since_epoch,
)
from calltriage.probes.kit import ProbeKit

NO_DB = "the server's accounts DB (accounts_db_url) is not configured, so call attempts are not visible"
_COLUMNS = "id, time_epoch, dst_ouser, dst_user, sip_code, sip_reason, auth_result, proto, user_agent, callid"


def _attempt(row: Mapping[str, Any]) -> dict[str, Any]:
    code = str(row["sip_code"])
    return {
        "time": iso(row["time_epoch"]),
        "dialled": row["dst_ouser"],
        "reached": row["dst_user"],
        "code": int(code) if code.isdigit() else code,
        "reason": row["sip_reason"],
        "meaning": code_words(code),
        "auth_result": row["auth_result"],
        "transport": row["proto"],
        "call_id": row["callid"],
    }


class _CallWatch(BaseProbe):
    watch: ClassVar[bool] = True
    poll_interval: ClassVar[float] = 0.5

    def _targets(self, callee: Account | None) -> set[str] | None:
        return None

    async def _watch(self, ctx: ProbeContext, kit: ProbeKit, caller: Account, callee: Account | None) -> Verdict:
        db = kit.db
        assert db is not None
        since = since_epoch(ctx, time.time())
        sec, usec = int(since), round((since - int(since)) * 1e6)
        targets = sorted(self._targets(callee) or [])
        # acc keeps whole seconds plus microseconds (time_mode=1): attempts earlier in the same
        # second as the operator's request must not count.
        sql = (
            f"SELECT {_COLUMNS} FROM acc WHERE method = 'INVITE' AND src_user = :u AND time_epoch >= :s"
            " AND (time_epoch > :s OR COALESCE(time_us, 0) >= :us)"
        )
        args: dict[str, Any] = {"u": caller.username, "s": sec, "us": usec}
        if targets:
            names = ", ".join(f":t{i}" for i in range(len(targets)))
            sql += f" AND (dst_ouser IN ({names}) OR dst_user IN ({names}))"
            args.update({f"t{i}": t for i, t in enumerate(targets)})
        sql += " ORDER BY id LIMIT 50"
        loop = asyncio.get_running_loop()
        end = loop.time() + max(0.0, ctx.wait)
        rows: list[dict[str, Any]] = []
        while True:
            await kit.limiter.acquire()
            rows = await db.fetch(sql, args, timeout=kit.op_timeout(0.5))
            # A call still ringing has no row yet (acc writes the final answer): stop at the
            # first finished attempt, or keep watching until the wait is over.
            if rows or loop.time() + self.poll_interval > end:
                break
            await asyncio.sleep(self.poll_interval)
        attempts = [_attempt(r) for r in rows]
        ev: dict[str, Any] = {"account": caller.username, "since": iso(since), "attempts": attempts}
        if callee is not None:
            ev["callee"] = callee.username
            ev["callee_numbers"] = targets
        to = f" to {callee.typed}" if callee is not None else ""
        if not attempts:
            ev["watched"] = f"call attempts{to} by {caller.username} (accounting)"
            # Silence is not evidence: maybe the user has not called yet. The operator decides.
            return Verdict(SILENT, f"no evidence yet: no call attempt{to} from {caller.username} seen by the "
                           f"server within {ctx.wait:g} s", ev)
        answered = [a for a in attempts if isinstance(a["code"], int) and 200 <= a["code"] < 300]
        if answered:
            a = answered[-1]
            return Verdict(
                OK, f"{caller.username}'s call to {a['dialled']} was answered ({a['code']} {a['reason']})", ev
            )
        codes = ", ".join(f"{a['code']} {a['reason']} ({a['meaning']})" for a in attempts[-3:])
        return Verdict(FAIL, f"{caller.username}'s call attempt(s){to} failed: {codes}", ev)


class TestCallProbe(_CallWatch):
    name: ClassVar[str] = "calls.test_call"
    title: ClassVar[str] = "Did the user's test call get through?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "succeeded", FAIL: "failed"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        if kit.db is None:
            return Verdict(ERROR, NO_DB)
        caller = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(caller, Verdict):
            return caller
        return await self._watch(ctx, kit, caller, None)


class ToCalleeProbe(_CallWatch):
    name: ClassVar[str] = "calls.to_callee"
    title: ClassVar[str] = "Can the user call the other party now?"
    params: ClassVar[tuple[str, ...]] = ("account", "target")
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "yes", FAIL: "no"}

    def _targets(self, callee: Account | None) -> set[str] | None:
        if callee is None:
            return None
        return {callee.username, callee.typed, *callee.numbers}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        if kit.db is None:
            return Verdict(ERROR, NO_DB)
        caller = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(caller, Verdict):
            return caller
        typed = party_ident(ctx, params, "target", "callee")
        callee = await resolve_account(kit, typed)
        if callee is None:
            # A number nobody owns: calls to it end in 404; still watch for them.
            callee = Account(typed, typed)
        return await self._watch(ctx, kit, caller, callee)
