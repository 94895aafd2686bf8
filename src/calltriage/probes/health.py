"""Health checks of the server's parts, shared by ``services.server`` and ``server check``.

Each returns a ``Part``: ok / fail / skipped with one plain sentence and a little evidence.
None of them raises for a broken server.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

from calltriage.probes.accounts import DbUnavailable
from calltriage.probes.jsonrpc import RpcFault, RpcUnavailable
from calltriage.probes.kit import ProbeKit
from calltriage.sip import Credentials, SipTransportError, UserAgent

METRIC_WARN = 85.0  # percent
METRIC_FAIL = 95.0


@dataclass(slots=True)
class Part:
    name: str
    status: str  # "ok" | "warn" | "fail" | "skipped"
    detail: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, **self.evidence}


async def sip_options(kit: ProbeKit, timeout: float) -> Part:
    ua = kit.agent("a") if kit.credentials("a") else kit.agent(None)
    await kit.limiter.acquire()
    try:
        r = await ua.options(timeout=timeout)
    except SipTransportError as exc:
        return Part("sip_options", "fail", f"OPTIONS to the server: {exc}", {"failure": exc.kind.value})
    ev = {
        "code": r.code,
        "reason": r.reason,
        "rtt_ms": round(r.rtt * 1000, 3),
        "server": r.server,
        "transport": ua.endpoint.transport,
    }
    if 200 <= r.code < 300:
        return Part("sip_options", "ok", f"the server answers OPTIONS ({r.code} {r.reason}, {r.rtt * 1000:.1f} ms)", ev)
    return Part("sip_options", "fail", f"the server answered OPTIONS with {r.code} {r.reason}", ev)


async def register_account(kit: ProbeKit, role: str, timeout: float) -> Part:
    """REGISTER a service account and remove the registration again."""
    creds = kit.credentials(role)
    if creds is None:
        return Part(f"account_{role}", "fail", f"service account {role!r} is not configured or has no password")
    ua = kit.agent(role)
    await kit.limiter.acquire()
    try:
        r = await ua.register(timeout=timeout, expires=30)
        if r.ok:
            await ua.register(timeout=timeout, expires=0)
    except SipTransportError as exc:
        return Part(f"account_{role}", "fail", f"REGISTER of {creds.username}: {exc}")
    ev = {"username": creds.username, "code": r.code, "reason": r.reason}
    if r.ok:
        return Part(f"account_{role}", "ok", f"{creds.username} registers ({r.code} {r.reason})", ev)
    hint = " (wrong password, or the accounts DB fails)" if r.code in (401, 403, 407) else ""
    return Part(f"account_{role}", "fail", f"{creds.username} cannot register: {r.code} {r.reason}{hint}", ev)


async def test_call(kit: ProbeKit, timeout: float) -> Part:
    """The VoIP engine check: svc-b registers, svc-a calls it, svc-b answers, svc-a hangs up."""
    a, b = kit.credentials("a"), kit.credentials("b")
    if a is None or b is None:
        return Part("test_call", "fail", "service accounts 'a' and 'b' (with passwords) are needed for the test call")
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    try:
        async with asyncio.timeout(timeout):
            await kit.test_call_lock.acquire()
    except TimeoutError:
        return Part("test_call", "fail", "another test call against this server did not finish in time")
    try:
        return await _test_call(kit, a, b, end)
    finally:
        kit.test_call_lock.release()


async def _test_call(kit: ProbeKit, a: Credentials, b: Credentials, end: float) -> Part:
    loop = asyncio.get_running_loop()
    callee: UserAgent = kit.agent("b")
    caller: UserAgent = kit.agent("a")
    await kit.limiter.acquire()
    try:
        reg = await callee.register(timeout=max(0.1, (end - loop.time()) * 0.3), expires=60)
        if not reg.ok:
            return Part(
                "test_call",
                "fail",
                f"{b.username} cannot register for the test call: {reg.code} {reg.reason}",
                {"register": reg.code},
            )
        try:
            call = await caller.call(b.username, timeout=max(0.1, end - loop.time() - 0.05))
        finally:
            # Leave no contact behind: a stale svc-b contact would turn the next check into 408/477.
            try:
                await callee.register(timeout=max(0.2, min(1.0, end - loop.time())), expires=0)
            except SipTransportError:
                pass
    except SipTransportError as exc:
        return Part("test_call", "fail", f"test call {a.username} -> {b.username}: {exc}", {"failure": exc.kind.value})
    ev = call.to_dict()
    if call.answered:
        bye = f", hung up ({call.bye_code})" if call.bye_code else ", hang-up unconfirmed"
        return Part(
            "test_call",
            "ok",
            f"{a.username} called {b.username}: answered in {(call.setup_time or 0) * 1000:.1f} ms{bye}",
            ev,
        )
    if call.code is None:
        return Part(
            "test_call",
            "fail",
            f"test call {a.username} -> {b.username}: no final answer in time"
            f"{' (cancelled)' if call.cancelled else ''}",
            ev,
        )
    return Part("test_call", "fail", f"test call {a.username} -> {b.username} failed: {call.code} {call.reason}", ev)


async def control(kit: ProbeKit, timeout: float) -> Part:
    rpc = kit.rpc
    if rpc is None:
        return Part("control", "skipped", "no control interface configured (jsonrpc_url)")
    try:
        up = await rpc.call("core.uptime", timeout=timeout)
    except (RpcUnavailable, RpcFault) as exc:
        return Part("control", "fail", str(exc))
    uptime = up.get("uptime") if isinstance(up, dict) else None
    return Part("control", "ok", f"control interface answers (up {uptime} s)", {"uptime_s": uptime})


async def accounts_db(kit: ProbeKit, timeout: float) -> Part:
    db = kit.db
    if db is None:
        return Part("accounts_db", "skipped", "no accounts DB configured (accounts_db_url)")
    t0 = time.perf_counter()
    try:
        rows = await db.fetch("SELECT COUNT(*) AS n FROM subscriber", timeout=timeout)
    except DbUnavailable as exc:
        return Part("accounts_db", "fail", str(exc))
    ms = (time.perf_counter() - t0) * 1000
    n = rows[0]["n"] if rows else 0
    return Part(
        "accounts_db",
        "ok",
        f"accounts DB answers ({n} accounts, {ms:.1f} ms)",
        {"accounts": n, "query_ms": round(ms, 2), "db": db.safe_url},
    )


def _http_verify(kit: ProbeKit) -> ssl.SSLContext:
    return kit.ssl_context


async def console(kit: ProbeKit, timeout: float) -> Part:
    url = kit.settings.server.console_url
    if url is None:
        return Part("console", "skipped", "no console health URL configured")
    import httpx

    try:
        async with httpx.AsyncClient(verify=_http_verify(kit), timeout=timeout, follow_redirects=False) as client:
            r = await client.get(url)
    except httpx.HTTPError as exc:
        return Part("console", "fail", f"console {url}: {exc.__class__.__name__} {str(exc)[:120]}".strip())
    if 200 <= r.status_code < 300:
        return Part("console", "ok", f"console answers ({r.status_code})", {"status": r.status_code})
    return Part("console", "fail", f"console {url} answered HTTP {r.status_code}", {"status": r.status_code})


async def ssh_banner(kit: ProbeKit, timeout: float) -> Part:
    s = kit.settings.server
    if not s.ssh_host:
        return Part("ssh", "skipped", "no SSH host configured")
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(s.ssh_host, s.ssh_port)
            try:
                line = await reader.readline()
            finally:
                writer.close()
    except (OSError, TimeoutError) as exc:
        what = "no banner in time" if isinstance(exc, TimeoutError) else exc.__class__.__name__
        return Part("ssh", "fail", f"SSH {s.ssh_host}:{s.ssh_port}: {what}")
    banner = line.decode("latin-1").strip()
    if banner.startswith("SSH-"):
        return Part("ssh", "ok", f"SSH answers ({banner[:60]})", {"banner": banner[:120]})
    return Part("ssh", "fail", f"SSH {s.ssh_host}:{s.ssh_port} sent no SSH banner", {"banner": banner[:120]})


async def metrics(kit: ProbeKit, timeout: float) -> Part:
    url = kit.settings.server.metrics_url
    if url is None:
        return Part("metrics", "skipped", "no metrics URL configured")
    import httpx

    try:
        async with httpx.AsyncClient(verify=_http_verify(kit), timeout=timeout) as client:
            r = await client.get(url)
        data = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        return Part("metrics", "fail", f"metrics {url}: {exc.__class__.__name__}")
    values = {k: data.get(k) for k in ("cpu", "memory", "disk") if isinstance(data, dict)}
    nums = {k: float(v) for k, v in values.items() if isinstance(v, int | float)}
    if not nums:
        return Part("metrics", "fail", f"metrics {url} has no cpu/memory/disk percentages", {"values": values})
    high = [f"{k} {v:g}%" for k, v in nums.items() if v >= METRIC_FAIL]
    warm = [f"{k} {v:g}%" for k, v in nums.items() if METRIC_WARN <= v < METRIC_FAIL]
    text = ", ".join(f"{k} {v:g}%" for k, v in nums.items())
    if high:
        return Part("metrics", "fail", f"machine resources exhausted: {', '.join(high)}", nums)
    if warm:
        return Part("metrics", "warn", f"machine resources high: {', '.join(warm)}", nums)
    return Part("metrics", "ok", f"machine resources fine ({text})", nums)
