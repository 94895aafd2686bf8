"""What the two call-watch checks share: poll the port's call attempts by an account since the
operator's request until the first finished attempt or until the wait is over (a call still
ringing has no final answer yet)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from calltriage.backends.port import CallAttempt, CallAttempts, need
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import FAIL, OK, SILENT, WARN, Account, Verdict, code_words, iso, since_utc
from calltriage.probes.kit import ProbeKit

POLL_INTERVAL = 0.5


def attempt_evidence(a: CallAttempt) -> dict[str, Any]:
    return {
        "time": iso(a.time),
        "dialled": a.dialled,
        "reached": a.reached,
        "code": a.code,
        "reason": a.reason,
        "meaning": code_words(a.code),
        "failed_side": a.failed_side,
        "cause": a.cause,
        "transport": a.transport,
        "call_id": a.call_id,
        "record": a.source,
    }


async def watch_calls(
    ctx: ProbeContext, kit: ProbeKit, caller: Account, targets: Sequence[str] = (), poll: float = POLL_INTERVAL
) -> CallAttempts:
    since = since_utc(ctx)
    loop = asyncio.get_running_loop()
    end = loop.time() + max(0.0, ctx.wait)
    while True:
        found = need(await kit.backend.call_attempts(caller.username, since, targets))
        if found.attempts or loop.time() + poll > end:
            return found
        await asyncio.sleep(poll)


def call_verdict(ctx: ProbeContext, caller: Account, found: CallAttempts, to: str = "", *,
                 locate: bool = False) -> Verdict:
    """The verdict on the caller's attempts. With ``locate`` (the test call), an attempt the server
    routed that failed at the callee shows the app's side worked: ``warn``, not ``fail``."""
    attempts = [attempt_evidence(a) for a in found.attempts]
    ev: dict[str, Any] = {
        "account": caller.username,
        "since": iso(found.since),
        "attempts": attempts,
        "records": found.records,
    }
    if found.unavailable:
        ev["unavailable"] = dict(found.unavailable)
    if not found.attempts:
        ev["watched"] = f"call attempts{to} by {caller.username} ({found.records})"
        # Silence is not evidence: maybe the user has not called yet. The operator decides.
        return Verdict(SILENT, f"no evidence yet: no call attempt{to} from {caller.username} seen by the server "
                       f"within {ctx.wait:g} s", ev)
    answered = [a for a in found.attempts if a.answered]
    if answered:
        a = answered[-1]
        ev["located"] = "answered"
        return Verdict(OK, f"{caller.username}'s call to {a.dialled} was answered ({a.code} {a.reason})", ev)
    codes = ", ".join(f"{a['code']} {a['reason']} ({a['meaning']})" for a in attempts[-3:])
    last = found.attempts[-1]
    ev["located"] = last.failed_side or "unknown"
    where = _WHERE.get(last.failed_side or "unknown", "")
    if locate and last.failed_side == "callee":
        # The app did its part: the server authenticated and routed the call. What failed is on
        # the callee's side, which says nothing against the caller's app or connection.
        return Verdict(WARN, f"{caller.username}'s app side worked: the server authenticated and routed the call"
                       f"{to}, which then failed at the callee ({codes}); not the caller's fault", ev)
    return Verdict(FAIL, f"{caller.username}'s call attempt(s){to} failed{where}: {codes}", ev)


# Where a failed attempt failed, in words (``CallAttempt.failed_side``).
_WHERE = {
    "caller": " before routing, on the caller's side (authentication, account)",
    "server": " at the server itself",
    "callee": " at the callee, after the server routed it",
    "unknown": "",
}
