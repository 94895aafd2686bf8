"""What every check shares: the verdict type, the run wrapper that turns "cannot tell" into a
plain ``error`` result, party/account resolution over the server port and small parsers.

Checks are written once over the server port (``calltriage.backends.port``) and never learn
which server answers. They return a status and evidence only: which playbook outcome a status
means is the playbook's ``verdicts:`` mapping, nowhere else."""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from calltriage.backends.port import CannotTell, CannotTellError, Capability, need
from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.probes.base import ProbeContext
from calltriage.probes.kit import ProbeKit
from calltriage.sip import SipTransportError

T = TypeVar("T")

# The runner puts its per-server kit here; a probe run on its own makes a temporary one.
CURRENT_KIT: contextvars.ContextVar[ProbeKit | None] = contextvars.ContextVar("calltriage_probe_kit", default=None)

OK, WARN, FAIL, ERROR = ProbeStatus.OK, ProbeStatus.WARN, ProbeStatus.FAIL, ProbeStatus.ERROR
SILENT = ProbeStatus.SILENT


@dataclass(slots=True)
class Verdict:
    status: ProbeStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)


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
    """Template for the checks: subclasses implement ``check``."""

    name: ClassVar[str]
    title: ClassVar[str]
    params: ClassVar[tuple[str, ...]] = ()
    # Watch probes wait up to ctx.wait seconds for the user's action; the runner adds it
    # to the probe's deadline.
    watch: ClassVar[bool] = False
    # The server port's questions this check asks (``backends.port.QUESTIONS``): the first
    # ones are required, ``optional`` ones only enrich the evidence.
    needs: ClassVar[tuple[str, ...]] = ()
    optional: ClassVar[tuple[str, ...]] = ()
    # Service accounts the check needs for SIP through the server (``[server.service_accounts]``).
    service_accounts: ClassVar[tuple[str, ...]] = ()

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
            except CannotTellError as exc:
                # The port said "cannot tell": the node falls back to a question.
                verdict = Verdict(ERROR, f"could not tell: {exc.why.reason}")
            except SipTransportError as exc:
                verdict = Verdict(ERROR, f"could not check: {exc}")
        return ProbeResult(
            probe=self.name,
            status=verdict.status,
            summary=verdict.summary,
            evidence=verdict.evidence,
            duration=time.perf_counter() - t0,
        )

    def capability(self, caps: Mapping[str, Capability], service_accounts: Mapping[str, Any]) -> str:
        """Whether this check can answer on a server with ``caps``: "yes", "partial: ..." or "no: ..."."""
        for q in self.needs:
            cap = caps.get(q, Capability.no(f"the backend does not answer {q}"))
            if cap.level == "no":
                return f"no: {cap.note}"
        missing = [r for r in self.service_accounts if r not in service_accounts]
        if missing:
            return f"no: needs service account(s) {', '.join(missing)} ([server.service_accounts])"
        partial = [caps[q].note for q in (*self.needs, *self.optional) if q in caps and caps[q].level != "yes"]
        return f"partial: {'; '.join(partial)}" if partial else "yes"


def party_ident(ctx: ProbeContext, params: Mapping[str, Any], key: str, default_role: str) -> str:
    """A ``with:`` parameter: a party role ("caller"/"callee") or a literal account/number."""
    value = str(params.get(key) or default_role)
    if value == "caller":
        return ctx.caller.ident
    if value == "callee":
        return ctx.callee.ident
    return value


def since_utc(ctx: ProbeContext) -> datetime:
    """``ctx.since`` as an aware UTC datetime (a naive one is UTC); now when unset."""
    if ctx.since is None:
        return datetime.now(UTC)
    return ctx.since.replace(tzinfo=UTC) if ctx.since.tzinfo is None else ctx.since.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def looks_like_number(ident: str) -> bool:
    return bool(re.fullmatch(r"\+?\d{3,}", ident.strip()))


@dataclass(frozen=True, slots=True)
class Account:
    username: str
    typed: str  # what the operator typed
    via_number: bool = False
    # Every account the typed number maps to, in the server's routing order (``username`` is the
    # one calls reach); more than one is a conflict whatever step notices it.
    routes: tuple[str, ...] = ()

    @property
    def who(self) -> str:
        return self.username if not self.via_number else f"{self.username} ({self.typed})"

    @property
    def shared_with(self) -> tuple[str, ...]:
        """The other accounts the typed number is assigned to (empty: no conflict)."""
        return tuple(a for a in self.routes if a != self.username)

    def conflict(self) -> str | None:
        """The number conflict in plain words, or None."""
        if not self.shared_with:
            return None
        return (f"the number {self.typed} is assigned to {len(self.routes)} accounts ({', '.join(self.routes)}); "
                f"calls reach {self.username}")


async def account_or_verdict(kit: ProbeKit, ident: str) -> Account | Verdict:
    """The account for ``ident``, or the ``fail`` verdict "number not assigned" every check gives.

    A user name is taken as it is (no server question); a virtual number is resolved with the
    port's ``number_routes`` (a number assigned twice routes where the server routes it).
    """
    acct = await resolve_account(kit, ident)
    if acct is None:
        return Verdict(FAIL, f"the number {ident} is not assigned to any account", {"typed": ident})
    return acct


async def resolve_account(kit: ProbeKit, ident: str) -> Account | None:
    """Username for ``ident`` (a username or a virtual number); None when a number routes
    nowhere. Raises ``CannotTellError`` when a number cannot be resolved on this server."""
    ident = ident.strip()
    if not looks_like_number(ident):
        return Account(ident, ident)
    routes = need(await kit.backend.number_routes(ident))
    if routes.routes_to is None:
        return None
    return Account(routes.routes_to, ident, True, tuple(routes.accounts))


def optional(answer: T | CannotTell) -> T | None:
    """Evidence that only enriches a verdict: ``None`` when the port cannot tell."""
    return None if isinstance(answer, CannotTell) else answer


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
