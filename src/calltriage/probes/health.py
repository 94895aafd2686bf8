"""SIP health checks with calltriage's own SIP client, shared by ``services.server`` and
``server check``: OPTIONS to the server, a service account's REGISTER, the VoIP engine test call.
The server's other parts (its DB, console, monitoring) come from the backend's ``services()``.

Each returns a ``ServicePart``: ok / fail / skipped with one plain sentence and a little
evidence. None of them raises for a broken server.
"""

from __future__ import annotations

import asyncio

from calltriage.backends.port import ServicePart as Part
from calltriage.probes.kit import ProbeKit
from calltriage.sip import Credentials, SipTransportError, UserAgent


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
        return Part("test_call", "unknown", "service accounts 'a' and 'b' (with passwords) are needed for the call")
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
