"""The appliance's HTTPS console health page: the control plane, and the appliance's own word on
whether its SIP engine runs.

Reachable when it answers 2xx (and, when it answers JSON with a ``status``, that status is
``ok``). ``engine_failure`` is the console's own report that the voip engine check fails (the
SIP Sessions log then says nothing about "now": nothing writes it).
"""

from __future__ import annotations

import ssl
from typing import Any

from calltriage.backends.port import ControlPlane


async def _get(url: str, context: ssl.SSLContext, timeout: float) -> tuple[int, dict[str, Any]] | str:
    import httpx

    try:
        async with httpx.AsyncClient(verify=context, timeout=timeout, follow_redirects=False) as client:
            r = await client.get(url)
    except httpx.HTTPError as exc:
        return f"console {url}: {exc.__class__.__name__} {str(exc)[:120]}".strip()
    try:
        body = r.json()
    except ValueError:
        body = None
    return r.status_code, body if isinstance(body, dict) else {}


def _checks(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    checks = data.get("checks")
    if not isinstance(checks, dict):
        return {}
    return {str(k): c for k, c in checks.items() if isinstance(c, dict)}


async def health(url: str, context: ssl.SSLContext, timeout: float) -> ControlPlane:
    got = await _get(url, context, timeout)
    if isinstance(got, str):
        return ControlPlane(False, got)
    code, data = got
    status = data.get("status")
    engine = _checks(data).get("voip_engine", {})
    if 200 <= code < 300 and status in (None, "ok"):
        uptime = engine.get("uptime_s")
        return ControlPlane(True, f"console answers ({code})",
                            uptime_s=float(uptime) if isinstance(uptime, int | float) else None,
                            version=str(engine.get("version") or data.get("version") or "") or None)
    failing = [k for k, c in _checks(data).items() if c.get("status") != "ok"]
    detail = f"console answers HTTP {code}" + (f", status {status}" if status else "")
    if failing:
        detail += f" (failing: {', '.join(failing)})"
    return ControlPlane(False, detail)


async def engine_failure(url: str, context: ssl.SSLContext, timeout: float) -> str | None:
    """The console's report that the SIP engine is down, or None (up, or the console cannot say)."""
    got = await _get(url, context, timeout)
    if isinstance(got, str):
        return None
    engine = _checks(got[1]).get("voip_engine")
    if engine is None or engine.get("status") == "ok":
        return None
    return f"the appliance's console reports its SIP engine down ({engine.get('detail') or engine.get('status')})"
