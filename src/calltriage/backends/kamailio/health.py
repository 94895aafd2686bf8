"""The kamailio backend's declarations and health parts: what it can answer with its
configuration, its control interface (``core.uptime``) and its accounts DB."""

from __future__ import annotations

import time
from collections.abc import Mapping

from calltriage.backends.kamailio.jsonrpc import JsonRpcClient, RpcFault, RpcUnavailable
from calltriage.backends.port import CannotTell, Capability, ControlPlane, ServicePart
from calltriage.backends.sql import SqlReader, SqlUnavailable

NO_RPC = "the server's control interface is not configured ([server] jsonrpc_url)"
NO_DB = "the server's database is not configured ([server] accounts_db_url)"
STOCK_CALLS = "answered calls (acc) and routed failures (missed_calls)"


NO_CALL_REFUSALS = ("calls the proxy refuses itself (404/480 to an unregistered user, 401/407 challenges) "
                    "leave no record on a stock Kamailio: such a test call shows as no call seen (set "
                    "[server] acc_register_outcomes when the routing script accounts its refusals in acc)")
NO_REFUSALS = ("refused REGISTERs are not visible: a stock Kamailio records none (set [server] "
               "acc_register_outcomes when the routing script accounts them in acc)")


def capabilities(rpc: bool, db: bool, register_outcomes: bool = False) -> Mapping[str, Capability]:
    no_rpc, no_db = Capability.no(NO_RPC), Capability.no(NO_DB)
    if rpc and db:
        events = Capability.yes() if register_outcomes else Capability.partial(NO_REFUSALS)
    elif rpc:
        events = Capability.partial("registrar refreshes only (whole seconds); " + NO_DB)
    elif db:
        events = Capability.partial("REGISTER outcomes the server accounts in acc only; " + NO_RPC)
    else:
        events = Capability.no(f"{NO_RPC}; {NO_DB}")
    return {
        "registrations": Capability.yes() if rpc else no_rpc,
        "registration_events": events,
        "call_attempts": (Capability.yes(STOCK_CALLS) if register_outcomes else Capability.partial(NO_CALL_REFUSALS))
        if db else no_db,
        "directory": Capability.yes() if db else no_db,
        "number_routes": Capability.yes() if db else no_db,
        "services": Capability.yes(),
        "control_plane": Capability.yes() if rpc else no_rpc,
    }


async def uptime(rpc: JsonRpcClient, timeout: float) -> ControlPlane:
    try:
        up = await rpc.call("core.uptime", timeout=timeout)
    except (RpcUnavailable, RpcFault) as exc:
        return ControlPlane(False, str(exc))
    seconds = up.get("uptime") if isinstance(up, dict) else None
    return ControlPlane(True, f"control interface answers (up {seconds} s)", uptime_s=seconds)


def control_part(control: ControlPlane | CannotTell) -> ServicePart:
    """Not configured: skipped; not reachable from here: unknown (never a fault on its own)."""
    if isinstance(control, CannotTell):
        return ServicePart("control", "skipped", control.reason)
    if control.reachable:
        return ServicePart("control", "ok", control.detail, {"uptime_s": control.uptime_s})
    return ServicePart("control", "unknown", control.detail)


async def db_part(db: SqlReader | None, timeout: float) -> ServicePart:
    if db is None:
        return ServicePart("accounts_db", "skipped", "no accounts DB configured (accounts_db_url)")
    t0 = time.perf_counter()
    try:
        rows = await db.fetch("SELECT COUNT(*) AS n FROM subscriber", timeout=timeout)
    except SqlUnavailable as exc:
        return ServicePart("accounts_db", "unknown", str(exc), {"db": db.safe_url, "problem": exc.kind})
    ms = (time.perf_counter() - t0) * 1000
    n = rows[0]["n"] if rows else 0
    return ServicePart(
        "accounts_db", "ok", f"accounts DB answers ({n} accounts, {ms:.1f} ms)",
        {"accounts": n, "query_ms": round(ms, 2), "db": db.safe_url},
    )
