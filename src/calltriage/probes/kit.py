"""Per-server resources the probes share: the server backend (the port's adapter for this kind of
server), SIP agents (one reused TLS connection per account), the TLS handshake lock and the rate
limiter.

The runner keeps one kit per configured server on its event loop; a probe run without a
runner gets a throw-away kit (``ProbeKit.for_context``) that it closes itself.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Literal

from calltriage.backends.port import BackendEnv, ServerBackend
from calltriage.backends.registry import create_backend
from calltriage.config import ServerSettings
from calltriage.sip import Credentials, Endpoint, UserAgent, tls_context

TransportName = Literal["udp", "tcp", "tls"]


class RateLimiter:
    """Token bucket: at most ``rate`` operations per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.updated: float | None = None
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            if self.updated is not None:
                self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                wait = (1 - self.tokens) / self.rate
                await asyncio.sleep(wait)
                self.tokens = 1
                self.updated = loop.time()
            self.tokens -= 1


class ProbeKit:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.handshake_lock = asyncio.Lock()
        # One test call at a time per server: two would share service account b's registration.
        self.test_call_lock = asyncio.Lock()
        self.limiter = RateLimiter(settings.probes.rate)
        self.semaphore = asyncio.Semaphore(settings.probes.max_concurrency)
        self._ssl: ssl.SSLContext | None = None
        self._backend: ServerBackend | None = None
        self._agents: dict[tuple[str, str], UserAgent] = {}

    @classmethod
    def for_context(cls, settings: ServerSettings) -> ProbeKit:
        return cls(settings)

    @property
    def timeout(self) -> float:
        return self.settings.probes.timeout

    def op_timeout(self, share: float = 0.8) -> float:
        """Time for one operation, leaving the rest of the probe's deadline for the verdict."""
        return max(0.2, self.timeout * share)

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            ca = self.settings.server.ca_file
            self._ssl = tls_context(str(ca) if ca else None)
        return self._ssl

    @property
    def backend(self) -> ServerBackend:
        """The server port's adapter for ``[server] backend``, created on first use."""
        if self._backend is None:
            env = BackendEnv(limiter=self.limiter, ssl_context=lambda: self.ssl_context, op_timeout=self.op_timeout)
            self._backend = create_backend(self.settings, env)
        return self._backend

    def endpoint(self, transport: TransportName | None = None) -> Endpoint:
        s = self.settings.server
        tr = transport or self.settings.probes.transport
        port = s.tls_port if tr == "tls" else s.sip_port
        return Endpoint(s.host, port, tr, s.tls_name)

    def credentials(self, role: str) -> Credentials | None:
        acct = self.settings.server.service_accounts.get(role)
        if acct is None or acct.password is None:
            return None
        return Credentials(acct.username, acct.password.get_secret_value())

    def agent(self, role: str | None = None, transport: TransportName | None = None) -> UserAgent:
        """The shared agent of a service account (``None``: anonymous), created on first use.

        Agents answer calls and OPTIONS automatically, so a service account can be a callee.
        """
        ep = self.endpoint(transport)
        key = (role or "", ep.transport)
        ua = self._agents.get(key)
        creds = self.credentials(role) if role else None
        if ua is None or ua.credentials != creds:
            if ua is not None:
                ua.close()
            ua = UserAgent(
                ep,
                domain=self.settings.server.domain,
                credentials=creds,
                ssl_context=self.ssl_context,
                handshake_lock=self.handshake_lock,
                auto_answer=True,
            )
            self._agents[key] = ua
        return ua

    def close(self) -> None:
        for ua in self._agents.values():
            ua.close()
        self._agents.clear()
        if self._backend is not None:
            self._backend.close()
            self._backend = None
