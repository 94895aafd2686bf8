"""``network.server``: DNS, TCP reachability and round-trip time of the SIP/TLS port, and the
server certificate (chain, host name, expiry) as Python's ``ssl`` sees it."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.probes.base import ProbeContext
from calltriage.probes.common import FAIL, OK, WARN, BaseProbe, Verdict
from calltriage.probes.kit import ProbeKit
from calltriage.sip import Endpoint, SipTransportError
from calltriage.sip.transport import classify

CERT_WARN_DAYS = 14  # a certificate expiring within two weeks is worth a warning


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


async def resolve(name: str, port: int, timeout: float) -> list[str]:
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        infos = await loop.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    return sorted({str(i[4][0]) for i in infos})


def cert_summary(cert: Mapping[str, Any]) -> dict[str, Any]:
    not_after = cert.get("notAfter")
    expires = ssl.cert_time_to_seconds(str(not_after)) if not_after else None
    subject = dict(x[0] for x in cert.get("subject", ()) if x)
    issuer = dict(x[0] for x in cert.get("issuer", ()) if x)
    return {
        "subject": subject.get("commonName"),
        "issuer": issuer.get("commonName"),
        "names": [v for _, v in cert.get("subjectAltName", ())],
        "not_after": not_after,
        "days_left": None if expires is None else round((expires - time.time()) / 86400, 1),
    }


def _der_summary(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    c = x509.load_der_x509_certificate(der)
    try:
        names = [str(n) for n in c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value]
    except x509.ExtensionNotFound:
        names = []
    cn = c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    icn = c.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    exp = c.not_valid_after_utc
    return {
        "subject": str(cn[0].value) if cn else None,
        "issuer": str(icn[0].value) if icn else None,
        "names": names,
        "not_after": exp.isoformat(),
        "days_left": round((exp.timestamp() - time.time()) / 86400, 1),
    }


async def _unverified_cert(ep: Endpoint, lock: asyncio.Lock, timeout: float) -> dict[str, Any] | None:
    """The certificate the server presents, fetched without verification, for evidence only."""
    # A bare client context: create_default_context() would load the system CA store
    # (~30 ms) for a handshake that verifies nothing.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        async with lock, asyncio.timeout(timeout):
            _, writer = await asyncio.open_connection(ep.host, ep.port, ssl=ctx, server_hostname=ep.tls_name)
        try:
            ssl_obj = writer.get_extra_info("ssl_object")
            der = ssl_obj.getpeercert(binary_form=True) if ssl_obj else None
        finally:
            writer.close()
        return _der_summary(der) if der else None
    except (OSError, ssl.SSLError, TimeoutError, ValueError):
        return None


async def tls_check(kit: ProbeKit, timeout: float) -> dict[str, Any]:
    """Connect to the TLS port: TCP RTT, then a verified handshake (serialized per server)."""
    s = kit.settings.server
    ep = Endpoint(s.host, s.tls_port, "tls", s.tls_name)
    loop = asyncio.get_running_loop()
    out: dict[str, Any] = {"endpoint": f"{s.host}:{s.tls_port}", "server_name": s.tls_name}
    deadline = loop.time() + timeout
    sock: socket.socket | None = None
    try:
        infos = await loop.getaddrinfo(s.host, s.tls_port, type=socket.SOCK_STREAM)
        family, _, _, _, addr = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        t0 = time.perf_counter()
        async with asyncio.timeout(max(0.05, deadline - loop.time())):
            await loop.sock_connect(sock, addr)
        out["tcp_connect_ms"] = round((time.perf_counter() - t0) * 1000, 3)
        async with kit.handshake_lock:
            t1 = time.perf_counter()
            _, writer = await asyncio.open_connection(
                sock=sock,
                ssl=kit.ssl_context,
                server_hostname=s.tls_name,
                ssl_handshake_timeout=max(0.05, deadline - loop.time()),
            )
            sock = None  # owned by the stream now
        out["handshake_ms"] = round((time.perf_counter() - t1) * 1000, 3)
        ssl_obj = writer.get_extra_info("ssl_object")
        if ssl_obj is not None:
            out["tls_version"] = ssl_obj.version()
            out["certificate"] = cert_summary(ssl_obj.getpeercert() or {})
        writer.close()
        out["ok"] = True
    except Exception as exc:  # translated once, here, into plain words
        err: SipTransportError = classify(exc, ep, timeout)
        out.update(ok=False, failure=err.kind.value, error=str(err))
        if err.verify_code is not None:
            out["verify_code"] = err.verify_code
        if err.kind.is_tls and err.kind.value not in ("tls-protocol", "tls-not-tls"):
            cert = await _unverified_cert(ep, kit.handshake_lock, max(0.2, deadline - loop.time()))
            if cert is not None:
                out["certificate"] = cert
    finally:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
    return out


class ServerNetworkProbe(BaseProbe):
    name: ClassVar[str] = "network.server"
    title: ClassVar[str] = "Network tests of the server"
    params: ClassVar[tuple[str, ...]] = ()

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        s = kit.settings.server
        t = kit.op_timeout(0.8)
        ev: dict[str, Any] = {}
        problems: list[str] = []
        names = [n for n in dict.fromkeys([s.host, s.tls_name]) if not _is_ip(n)]
        dns: dict[str, Any] = {}
        for name in names:
            try:
                dns[name] = await resolve(name, s.tls_port, t / 4)
            except (OSError, TimeoutError):
                dns[name] = []
                problems.append(f"the name {name} does not resolve")
        ev["dns"] = dns or "addresses configured as IPs"
        if s.host in dns and not dns[s.host]:
            return Verdict(FAIL, "; ".join(problems), ev)
        await kit.limiter.acquire()
        tls = await tls_check(kit, t)
        ev["tls"] = tls
        if not tls["ok"]:
            problems.append(tls["error"])
            return Verdict(FAIL, "; ".join(problems), ev)
        cert = tls.get("certificate") or {}
        days = cert.get("days_left")
        rtt = f"TCP connect {tls['tcp_connect_ms']:.2f} ms, TLS handshake {tls['handshake_ms']:.1f} ms"
        if problems:
            return Verdict(FAIL, "; ".join(problems), ev)
        if isinstance(days, int | float) and days < CERT_WARN_DAYS:
            return Verdict(
                WARN, f"the server certificate expires in {days:g} days ({cert.get('not_after')}); renew it. {rtt}", ev
            )
        return Verdict(
            OK,
            f"{s.host}:{s.tls_port} reachable, {tls.get('tls_version')}, certificate valid for "
            f"{s.tls_name} ({days:g} days left); {rtt}",
            ev,
        )
