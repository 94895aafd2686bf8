"""``ProbeRunner``: runs probes by name with deadlines, a per-server concurrency cap and rate
limit, and turns every unexpected failure into an ``error`` result in plain words.

All probes run on one private event loop in a background thread, so per-server state (the
reused TLS connections, the TLS handshake lock, the limiter) lives on one loop whatever the
caller is: the sync ``run`` for the services layer and the async ``arun`` both hand the work
to it. Nothing starts until the first probe runs.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Coroutine, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from calltriage.config import ServerSettings
from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.errors import CalltriageError
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import CURRENT_KIT
from calltriage.probes.kit import ProbeKit
from calltriage.probes.registry import get_probe

log = logging.getLogger(__name__)
T = TypeVar("T")
DEFAULT_TIMEOUT = 5.0


class ProbeRunner:
    def __init__(self, *, default_timeout: float = DEFAULT_TIMEOUT) -> None:
        self.default_timeout = default_timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kits: dict[str, ProbeKit] = {}
        self._lock = threading.Lock()

    # ----- loop plumbing -----

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def serve() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                self._thread = threading.Thread(target=serve, name="calltriage-probes", daemon=True)
                self._thread.start()
                ready.wait()
                self._loop = loop
            return self._loop

    def _submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        loop = self._ensure_loop()
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("ProbeRunner.run() called from a probe; use arun()")
        return asyncio.run_coroutine_threadsafe(coro, loop)

    def close(self) -> None:
        """Close every kept connection and stop the loop (idempotent)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = None
            self._thread = None
        if loop is None:
            return

        async def shutdown() -> None:
            for kit in self._kits.values():
                kit.close()
            self._kits.clear()
            await asyncio.sleep(0)  # let transports finish closing

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=5)
        loop.close()

    def __enter__(self) -> ProbeRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- public API -----

    def run(self, name: str, ctx: ProbeContext, params: Mapping[str, Any] | None = None) -> ProbeResult:
        """Run probe ``name`` and wait for its result (never raises for probe failures)."""
        return self._submit(self._run(name, ctx, params or {})).result()

    async def arun(self, name: str, ctx: ProbeContext, params: Mapping[str, Any] | None = None) -> ProbeResult:
        """Async variant, usable from any event loop."""
        return await asyncio.wrap_future(self._submit(self._run(name, ctx, params or {})))

    # ----- on the runner loop -----

    def _kit(self, settings: ServerSettings) -> ProbeKit:
        key = settings.model_dump_json()
        kit = self._kits.get(key)
        if kit is None:
            kit = self._kits[key] = ProbeKit(settings)
        kit.settings = settings  # the latest object (secrets may have been re-read)
        return kit

    async def _run(self, name: str, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult:
        t0 = time.perf_counter()

        def error(summary: str) -> ProbeResult:
            return ProbeResult(name, ProbeStatus.ERROR, summary, {}, time.perf_counter() - t0)

        try:
            probe = get_probe(name)
        except CalltriageError as exc:
            return error(str(exc))
        kit = self._kit(ctx.server) if ctx.server is not None else None
        timeout = kit.timeout if kit is not None else self.default_timeout
        deadline = timeout + (max(0.0, ctx.wait) if getattr(probe, "watch", False) else 0.0)
        token = CURRENT_KIT.set(kit)
        try:
            if kit is None:
                return await asyncio.wait_for(probe.run(ctx, params), deadline)
            async with kit.semaphore:
                await kit.limiter.acquire()
                return await asyncio.wait_for(probe.run(ctx, params), deadline)
        except TimeoutError:
            return error(f"{name} did not finish within {deadline:g} s (the server or a dependency is too slow)")
        except CalltriageError as exc:
            return error(str(exc))
        except Exception as exc:
            # Never a traceback in a result: operators read these. Developers get the log.
            log.debug("probe %s raised", name, exc_info=True)
            return error(f"{name} failed unexpectedly ({exc.__class__.__name__}); this is a calltriage bug")
        finally:
            CURRENT_KIT.reset(token)
