"""Service parts any backend may report when configured: the HTTPS console, the SSH banner and
a JSON machine-metrics URL. Each returns a ``ServicePart`` and never raises.

``fail``/``warn`` are findings about the server (the console answers an error page, resources
exhausted); a part calltriage cannot reach says ``fail`` too, because these parts exist to show
reachability of the server's services from the desk (docs/backends.md).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

from calltriage.backends.port import ServicePart
from calltriage.config import ServerSettings

METRIC_WARN = 85.0  # percent
METRIC_FAIL = 95.0


async def console(settings: ServerSettings, ssl_context: Callable[[], ssl.SSLContext], timeout: float) -> ServicePart:
    url = settings.server.console_url
    if url is None:
        return ServicePart("console", "skipped", "no console health URL configured")
    import httpx

    try:
        async with httpx.AsyncClient(verify=ssl_context(), timeout=timeout, follow_redirects=False) as client:
            r = await client.get(url)
    except httpx.HTTPError as exc:
        return ServicePart("console", "fail", f"console {url}: {exc.__class__.__name__} {str(exc)[:120]}".strip())
    if 200 <= r.status_code < 300:
        return ServicePart("console", "ok", f"console answers ({r.status_code})", {"status": r.status_code})
    return ServicePart("console", "fail", f"console {url} answered HTTP {r.status_code}", {"status": r.status_code})


async def ssh_banner(settings: ServerSettings, timeout: float) -> ServicePart:
    s = settings.server
    if not s.ssh_host:
        return ServicePart("ssh", "skipped", "no SSH host configured")
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(s.ssh_host, s.ssh_port)
            try:
                line = await reader.readline()
            finally:
                writer.close()
    except (OSError, TimeoutError) as exc:
        what = "no banner in time" if isinstance(exc, TimeoutError) else exc.__class__.__name__
        return ServicePart("ssh", "fail", f"SSH {s.ssh_host}:{s.ssh_port}: {what}")
    banner = line.decode("latin-1").strip()
    if banner.startswith("SSH-"):
        return ServicePart("ssh", "ok", f"SSH answers ({banner[:60]})", {"banner": banner[:120]})
    return ServicePart("ssh", "fail", f"SSH {s.ssh_host}:{s.ssh_port} sent no SSH banner", {"banner": banner[:120]})


async def metrics(settings: ServerSettings, ssl_context: Callable[[], ssl.SSLContext], timeout: float) -> ServicePart:
    url = settings.server.metrics_url
    if url is None:
        return ServicePart("metrics", "skipped", "no metrics URL configured")
    import httpx

    try:
        async with httpx.AsyncClient(verify=ssl_context(), timeout=timeout) as client:
            r = await client.get(url)
        data = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        return ServicePart("metrics", "fail", f"metrics {url}: {exc.__class__.__name__}")
    values = {k: data.get(k) for k in ("cpu", "memory", "disk")} if isinstance(data, dict) else {}
    nums = {k: float(v) for k, v in values.items() if isinstance(v, int | float)}
    if not nums:
        return ServicePart("metrics", "fail", f"metrics {url} has no cpu/memory/disk percentages", {"values": values})
    high = [f"{k} {v:g}%" for k, v in nums.items() if v >= METRIC_FAIL]
    warm = [f"{k} {v:g}%" for k, v in nums.items() if METRIC_WARN <= v < METRIC_FAIL]
    text = ", ".join(f"{k} {v:g}%" for k, v in nums.items())
    if high:
        return ServicePart("metrics", "fail", f"machine resources exhausted: {', '.join(high)}", nums)
    if warm:
        return ServicePart("metrics", "warn", f"machine resources high: {', '.join(warm)}", nums)
    return ServicePart("metrics", "ok", f"machine resources fine ({text})", nums)
