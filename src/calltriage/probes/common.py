"""What every probe adapter shares: the verdict type, the run wrapper that turns adapter
failures into plain ``error`` results, party/account resolution and small parsers."""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.probes.accounts import DbUnavailable
from calltriage.probes.base import ProbeContext
from calltriage.probes.jsonrpc import RpcFault, RpcUnavailable
from calltriage.probes.kit import ProbeKit
from calltriage.sip import SipTransportError

# The runner puts its per-server kit here; a probe run on its own makes a temporary one.
CURRENT_KIT: contextvars.ContextVar[ProbeKit | None] = contextvars.ContextVar("calltriage_probe_kit", default=None)

OK, WARN, FAIL, ERROR = ProbeStatus.OK, ProbeStatus.WARN, ProbeStatus.FAIL, ProbeStatus.ERROR
SILENT = ProbeStatus.SILENT


@dataclass(slots=True)
class Verdict:
    status: ProbeStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None


@asynccontextmanager
async def kit_for(ctx: ProbeContext) -> AsyncIterator[ProbeKit]:
    kit = CURRENT_KIT.get()
    assert ctx.server is not None
    if kit is not None and kit.settings is ctx.server:
        yield kit
        return
    kit = ProbeKit(ctx.server)
    try:
        yield kit
    finally:
        kit.close()


class BaseProbe:
    """Template for the adapters: subclasses implement ``check``."""

    name: ClassVar[str]
    title: ClassVar[str]
    params: ClassVar[tuple[str, ...]] = ()
    # Watch probes wait up to ctx.wait seconds for the user's action; the runner adds it
    # to the probe's deadline.
    watch: ClassVar[bool] = False
    # Outcome proposed to the playbook node for each verdict (see docs/probes.md).
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        raise NotImplementedError

    async def run(self, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult:
        t0 = time.perf_counter()
        if ctx.server is None:
            verdict = Verdict(ERROR, "no SIP server is configured; run `calltriage server check --config FILE`")
        else:
            try:
                async with kit_for(ctx) as kit:
                    verdict = await self.check(ctx, params, kit)
            except (RpcUnavailable, DbUnavailable, SipTransportError) as exc:
                # Adapter edge: the probe could not look; the node falls back to a question.
                verdict = Verdict(ERROR, f"could not check: {exc}")
            except RpcFault as exc:
                verdict = Verdict(ERROR, f"the control interface refused the request: {exc.message}")
        outcome = verdict.outcome
        if outcome is None and verdict.status is not ERROR:
            outcome = self.outcomes.get(verdict.status)
        return ProbeResult(
            probe=self.name,
            status=verdict.status,
            summary=verdict.summary,
            evidence=verdict.evidence,
            duration=time.perf_counter() - t0,
            outcome=outcome,
        )


def party_ident(ctx: ProbeContext, params: Mapping[str, Any], key: str, default_role: str) -> str:
    """A ``with:`` parameter: a party role ("caller"/"callee") or a literal account/number."""
    value = str(params.get(key) or default_role)
    if value == "caller":
        return ctx.caller.ident
    if value == "callee":
        return ctx.callee.ident
    return value


def since_epoch(ctx: ProbeContext, default: float) -> float:
    """``ctx.since`` as Unix seconds (a naive datetime is taken as UTC)."""
    if ctx.since is None:
        return default
    since = ctx.since if ctx.since.tzinfo else ctx.since.replace(tzinfo=UTC)
    return since.timestamp()


def iso(epoch: float | int | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="seconds")


def looks_like_number(ident: str) -> bool:
    return bool(re.fullmatch(r"\+?\d{3,}", ident.strip()))


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    typed: str  # what the operator typed
    numbers: tuple[str, ...] = ()
    via_number: bool = False


async def account_or_verdict(kit: ProbeKit, ident: str, outcome: str | None = None) -> Account | Verdict:
    """The account for ``ident``, or the ``fail`` verdict "number not assigned" every probe gives."""
    acct = await resolve_account(kit, ident)
    if acct is None:
        return Verdict(FAIL, f"the number {ident} is not assigned to any account", {"typed": ident}, outcome=outcome)
    return acct


async def resolve_account(kit: ProbeKit, ident: str) -> Account | None:
    """Username for ``ident`` (a username or a virtual number) plus its numbers.

    None when a number resolves to no account. Without an accounts DB, ``ident`` is taken
    as the username and numbers are unknown.
    """
    ident = ident.strip()
    db = kit.db
    if db is None:
        return Account(ident, ident)
    t = kit.op_timeout(0.5)
    username = ident
    via_number = False
    if looks_like_number(ident):
        # Kamailio's alias_db routes a number assigned twice to the lowest id only.
        rows = await db.fetch(
            "SELECT username FROM dbaliases WHERE alias_username = :n ORDER BY id LIMIT 1", {"n": ident}, timeout=t
        )
        if not rows:
            return None
        username, via_number = str(rows[0]["username"]), True
    rows = await db.fetch(
        "SELECT alias_username FROM dbaliases WHERE username = :u ORDER BY id", {"u": username}, timeout=t
    )
    return Account(username, ident, tuple(str(r["alias_username"]) for r in rows), via_number)


_VERSION_IN_UA = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def version_tuple(text: str) -> tuple[int, ...] | None:
    m = _VERSION_IN_UA.search(text)
    if m is None:
        return None
    return tuple(int(x) for x in m.groups() if x is not None)


def compare_versions(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    n = max(len(a), len(b))
    pa, pb = a + (0,) * (n - len(a)), b + (0,) * (n - len(b))
    return (pa > pb) - (pa < pb)


# Final SIP codes in plain words (what the server's answer means for a support operator).
CODE_WORDS = {
    200: "answered",
    401: "wrong credentials (REGISTER rejected)",
    403: "forbidden (account disabled or bad credentials)",
    404: "the number or user does not exist",
    407: "wrong credentials on the call",
    408: "no answer from the callee's device",
    477: "the callee's device could not be reached (stale connection)",
    480: "the callee is not registered",
    486: "busy",
    487: "cancelled by the caller",
    488: "media not acceptable",
    500: "server error",
    503: "service unavailable",
    603: "declined",
}


def code_words(code: int | str | None) -> str:
    try:
        c = int(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "no final answer"
    return CODE_WORDS.get(c, "success" if 200 <= c < 300 else "failed")
