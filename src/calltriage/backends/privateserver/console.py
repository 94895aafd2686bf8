"""The appliance's HTTPS console health page as the control plane: reachable when it answers 2xx
(and, when it answers JSON with a ``status``, that status is ``ok``)."""

from __future__ import annotations

import ssl

from calltriage.backends.port import ControlPlane


async def health(url: str, context: ssl.SSLContext, timeout: float) -> ControlPlane:
    import httpx

    try:
        async with httpx.AsyncClient(verify=context, timeout=timeout, follow_redirects=False) as client:
            r = await client.get(url)
    except httpx.HTTPError as exc:
        return ControlPlane(False, f"console {url}: {exc.__class__.__name__} {str(exc)[:120]}".strip())
    try:
        body = r.json()
    except ValueError:
        body = None
    data = body if isinstance(body, dict) else {}
    engine = (data.get("checks") or {}).get("voip_engine") if isinstance(data.get("checks"), dict) else None
    engine = engine if isinstance(engine, dict) else {}
    status = data.get("status")
    if 200 <= r.status_code < 300 and status in (None, "ok"):
        uptime = engine.get("uptime_s")
        return ControlPlane(True, f"console answers ({r.status_code})",
                            uptime_s=float(uptime) if isinstance(uptime, int | float) else None,
                            version=str(engine.get("version") or data.get("version") or "") or None)
    failing = [k for k, c in (data.get("checks") or {}).items() if isinstance(c, dict) and c.get("status") != "ok"]
    detail = f"console answers HTTP {r.status_code}" + (f", status {status}" if status else "")
    if failing:
        detail += f" (failing: {', '.join(failing)})"
    return ControlPlane(False, detail)
