"""Registrar probes over Kamailio's JSON-RPC ``ul.lookup``: is the account registered, with
which client, and did it register again after the operator asked for a reconnection."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from calltriage.domain.model import ProbeStatus
from calltriage.errors import ProbeUnavailable
from calltriage.probes.accounts import DbUnavailable
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    ERROR,
    FAIL,
    OK,
    SILENT,
    Account,
    BaseProbe,
    Verdict,
    account_or_verdict,
    compare_versions,
    iso,
    party_ident,
    since_epoch,
    version_tuple,
)
from calltriage.probes.jsonrpc import RpcFault
from calltriage.probes.kit import ProbeKit

# usrloc's answers for an AOR without live contacts (Kamailio 5.6 ul.lookup, HTTP 500):
NOT_FOUND = "AOR not found"  # never registered, or expired and purged by the usrloc timer
NO_CONTACTS = "AOR has no contacts"  # expired recently, not yet purged
TRYING_WINDOW = 120.0  # failed REGISTERs this recent mean the app is still trying


@dataclass(frozen=True, slots=True)
class Registration:
    state: str  # "registered" | "not-found" | "no-contacts"
    contacts: tuple[dict[str, Any], ...] = ()


def _contact(raw: Mapping[str, Any]) -> dict[str, Any]:
    socket = str(raw.get("Socket") or "")
    received = raw.get("Received")
    expires = raw.get("Expires")
    return {
        "address": raw.get("Address"),
        # "Socket" is the server's socket the contact came in on: "tls:127.0.0.1:5061"
        "transport": socket.split(":", 1)[0].lower() if ":" in socket else None,
        "server_port": int(socket.rsplit(":", 1)[1]) if socket.rsplit(":", 1)[-1].isdigit() else None,
        "source": None if received in (None, "[not set]") else received,
        # seconds left; usrloc prints "expired"/"permanent"/"deleted" for special states
        "expires": expires,
        "user_agent": raw.get("User-Agent"),
        "last_modified": iso(raw.get("Last-Modified")) if isinstance(raw.get("Last-Modified"), int) else None,
        "last_modified_epoch": raw.get("Last-Modified"),
        "call_id": raw.get("Call-ID"),
    }


def _live(contact: Mapping[str, Any]) -> bool:
    exp = contact.get("expires")
    return exp == "permanent" or (isinstance(exp, int) and exp > 0)


class NoControlInterface(Exception):
    """No jsonrpc_url configured."""


async def lookup(kit: ProbeKit, username: str) -> Registration:
    rpc = kit.rpc
    if rpc is None:
        raise NoControlInterface
    await kit.limiter.acquire()
    try:
        result = await rpc.call("ul.lookup", "location", username, timeout=kit.op_timeout(0.5))
    except RpcFault as exc:
        if NO_CONTACTS.lower() in exc.message.lower():
            return Registration("no-contacts")
        if NOT_FOUND.lower() in exc.message.lower():
            return Registration("not-found")
        raise
    contacts = tuple(_contact(c.get("Contact", {})) for c in (result or {}).get("Contacts", []))
    live = tuple(c for c in contacts if _live(c))
    return Registration("registered" if live else "no-contacts", live)


NO_RPC = "the server's control interface (jsonrpc_url) is not configured"


def _who(acct: Account) -> str:
    return acct.username if not acct.via_number else f"{acct.username} ({acct.typed})"


class RegistrationProbe(BaseProbe):
    name: ClassVar[str] = "registrar.registration"
    title: ClassVar[str] = "Is the account registered now?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "connected", FAIL: "disconnected"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            return acct
        try:
            reg = await lookup(kit, acct.username)
        except NoControlInterface:
            return Verdict(ERROR, NO_RPC)
        ev: dict[str, Any] = {"account": acct.username, "state": reg.state, "contacts": list(reg.contacts)}
        who = _who(acct)
        if reg.state == "registered":
            c = reg.contacts[0]
            more = f" (+{len(reg.contacts) - 1} more contact(s))" if len(reg.contacts) > 1 else ""
            return Verdict(
                OK,
                f"{who} is registered over {str(c['transport']).upper()} from {c['source'] or c['address']}, "
                f"client {c['user_agent'] or 'unknown'}, expires in {c['expires']} s{more}",
                ev,
            )
        # An app that keeps trying and failing is "connecting", not simply "disconnected".
        failures = await _register_failures(kit, acct.username, int(time.time() - TRYING_WINDOW))
        if failures:
            last = failures[-1]
            ev["register_failures"] = failures
            return Verdict(
                FAIL,
                f"{who} is not registered: the app is trying, its last REGISTER got {last['sip_code']} "
                f"{last['sip_reason']} ({last['auth_result']})",
                ev,
                outcome="connecting",
            )
        if reg.state == "no-contacts":
            return Verdict(FAIL, f"{who} is not registered: the registration expired recently", ev)
        return Verdict(FAIL, f"{who} is not registered (no registration known to the server)", ev)


class ClientVersionProbe(BaseProbe):
    name: ClassVar[str] = "client.version"
    title: ClassVar[str] = "Is the client version supported?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "met", FAIL: "violated"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        minimum = kit.settings.server.min_client_version
        if minimum is None:
            return Verdict(ERROR, "no minimum client version is configured (server.min_client_version)")
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            acct.status = ERROR
            return acct
        try:
            reg = await lookup(kit, acct.username)
        except NoControlInterface:
            return Verdict(ERROR, NO_RPC)
        if reg.state != "registered":
            return Verdict(
                ERROR,
                f"{_who(acct)} is not registered, so the client version is not visible",
                {"account": acct.username, "state": reg.state},
            )
        agents = [str(c["user_agent"]) for c in reg.contacts if c.get("user_agent")]
        ev: dict[str, Any] = {"account": acct.username, "user_agents": agents, "minimum": minimum}
        if not agents:
            return Verdict(ERROR, f"{_who(acct)}'s registration carries no User-Agent header", ev)
        want = version_tuple(minimum)
        assert want is not None  # validated by the config
        found = [(ua, version_tuple(ua)) for ua in agents]
        parsed = [(ua, v) for ua, v in found if v is not None]
        if not parsed:
            return Verdict(ERROR, f"no version number in the client's User-Agent {agents[0]!r}", ev)
        # Several devices: the oldest client decides (any one of them may be the one in use).
        ua, version = min(parsed, key=lambda p: p[1])
        ev["version"] = ".".join(map(str, version))
        if compare_versions(version, want) < 0:
            return Verdict(FAIL, f"client {ua!r} is older than the supported minimum {minimum}", ev)
        return Verdict(OK, f"client {ua!r} meets the minimum version {minimum}", ev)


class ReconnectionProbe(BaseProbe):
    name: ClassVar[str] = "registrar.reconnection"
    title: ClassVar[str] = "Did the app register again after the forced reconnection?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    watch: ClassVar[bool] = True
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "ok", FAIL: "failed"}
    poll_interval: ClassVar[float] = 0.5

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        acct = await account_or_verdict(kit, party_ident(ctx, params, "account", "caller"))
        if isinstance(acct, Verdict):
            return acct
        since = since_epoch(ctx, time.time())
        # usrloc's Last-Modified has whole seconds; the accounting table has microseconds, so it
        # decides when it is there (a refresh in the same second as the request must not count).
        floor = int(since)
        loop = asyncio.get_running_loop()
        end = loop.time() + max(0.0, ctx.wait)
        polls = 0
        reg = Registration("not-found")
        while True:
            polls += 1
            try:
                reg = await lookup(kit, acct.username)
            except NoControlInterface:
                return Verdict(ERROR, NO_RPC)
            attempts = await _register_attempts(kit, acct.username, since)
            if attempts is None:  # no accounts DB: the registrar's whole seconds must do
                fresh = [c for c in reg.contacts
                         if isinstance(c.get("last_modified_epoch"), int) and c["last_modified_epoch"] >= floor]
                accepted = bool(fresh)
                refused: list[dict[str, Any]] = []
            else:
                accepted = any(str(a["sip_code"]) == "200" and a.get("expires") != 0 for a in attempts)
                refused = [a for a in attempts if str(a["sip_code"]) != "200"]
                fresh = [c for c in reg.contacts if accepted]
            if accepted:
                c = fresh[0] if fresh else {}
                where = f" over {str(c['transport']).upper()}" if c.get("transport") else ""
                return Verdict(
                    OK,
                    f"{_who(acct)} registered again{where} after the request",
                    {"account": acct.username, "since": iso(since), "contact": c, "polls": polls},
                )
            # A REGISTER the server refused still proves the app reconnected: the connection works,
            # the problem is elsewhere (credentials, disabled account, server DB), which the next
            # steps of the procedure tell apart (test call, client configuration).
            if refused:
                last = refused[-1]
                return Verdict(
                    OK,
                    f"{_who(acct)} reconnected: its REGISTER reached the server but was refused with "
                    f"{last['sip_code']} {last['sip_reason']} ({last['auth_result']})",
                    {"account": acct.username, "since": iso(since), "register_failures": refused, "polls": polls},
                )
            if loop.time() + self.poll_interval > end:
                break
            await asyncio.sleep(self.poll_interval)
        ev: dict[str, Any] = {
            "account": acct.username,
            "since": iso(since),
            "waited": ctx.wait,
            "state": reg.state,
            "contacts": list(reg.contacts),
            "polls": polls,
        }
        ev["watched"] = "REGISTER from the account (registrar" + (", accounting)" if kit.db is not None else ")")
        # Silence is not evidence: maybe the user has not acted yet. The operator decides.
        return Verdict(SILENT, f"no evidence yet: no REGISTER from {_who(acct)} reached the server "
                       f"within {ctx.wait:g} s", ev)

async def _register_attempts(kit: ProbeKit, username: str, since: float) -> list[dict[str, Any]] | None:
    """REGISTERs from ``username`` at or after ``since`` (µs precision), or None without an accounts DB."""
    db = kit.db
    if db is None:
        return None
    try:
        rows = await db.fetch(
            "SELECT time_epoch, time_us, sip_code, sip_reason, auth_result, proto, user_agent, expires FROM acc"
            " WHERE method = 'REGISTER' AND src_user = :u AND time_epoch >= :s ORDER BY id LIMIT 50",
            {"u": username, "s": int(since)},
            timeout=kit.op_timeout(0.3),
        )
    except DbUnavailable:
        return None
    return [r for r in rows if (r["time_epoch"] or 0) + (r.get("time_us") or 0) / 1e6 >= since]


async def _register_failures(kit: ProbeKit, username: str, since: int) -> list[dict[str, Any]]:
    """Failed REGISTERs since ``since`` from the accounting table (best effort: [] without DB)."""
    db = kit.db
    if db is None:
        return []
    try:
        return await db.fetch(
            "SELECT time_epoch, sip_code, sip_reason, auth_result, proto, user_agent FROM acc"
            " WHERE method = 'REGISTER' AND src_user = :u AND time_epoch >= :s AND sip_code <> '200'"
            " ORDER BY id LIMIT 20",
            {"u": username, "s": since},
            timeout=kit.op_timeout(0.3),
        )
    except DbUnavailable:  # evidence only: the verdict stands without it
        return []


async def dump_registrations(kit: ProbeKit, *, timeout: float | None = None) -> dict[str, list[dict[str, Any]]]:
    """Registration status of every account in one ``ul.dump`` (fleet-wide checks).

    One dump of 10k contacts is ~5 MB and ~0.35 s; one ``ul.lookup`` per account is 4-10x
    slower (perf-anchors §2). Returns {aor: [contact, ...]} with live contacts only.
    """
    rpc = kit.rpc
    if rpc is None:
        raise ProbeUnavailable(NO_RPC)
    result = await rpc.call("ul.dump", timeout=timeout or kit.timeout)
    out: dict[str, list[dict[str, Any]]] = {}
    for domain in (result or {}).get("Domains", []):
        for entry in domain.get("Domain", {}).get("AoRs", []):
            info = entry.get("Info", entry)
            contacts = [_contact(c.get("Contact", {})) for c in info.get("Contacts", [])]
            out[str(info.get("AoR"))] = [c for c in contacts if _live(c)]
    return out


async def registered_aors(kit: ProbeKit, *, timeout: float | None = None) -> set[str]:
    """The AORs with at least one contact, from ``ul.dump brief`` (names only, ~30x smaller
    than the full dump: answers "is X registered", not "where" or "until when")."""
    rpc = kit.rpc
    if rpc is None:
        raise ProbeUnavailable(NO_RPC)
    result = await rpc.call("ul.dump", "brief", timeout=timeout or kit.timeout)
    out: set[str] = set()
    for domain in (result or {}).get("Domains", []):
        for entry in domain.get("Domain", {}).get("AoRs", []):
            aor = entry.get("Info", entry).get("AoR")
            if aor:
                out.add(str(aor))
    return out
