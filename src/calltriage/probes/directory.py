"""Directory probes: the account's provisioning record and virtual numbers vs what the
server sees (registrations, REGISTER outcomes in ``acc``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.domain.model import ProbeStatus
from calltriage.errors import ProbeUnavailable
from calltriage.probes.base import ProbeContext
from calltriage.probes.common import (
    ERROR,
    FAIL,
    OK,
    WARN,
    BaseProbe,
    Verdict,
    account_or_verdict,
    iso,
    looks_like_number,
    party_ident,
    resolve_account,
    since_epoch,
)
from calltriage.probes.jsonrpc import RpcFault, RpcUnavailable
from calltriage.probes.kit import ProbeKit
from calltriage.probes.registrar import Registration, lookup

NO_DB = "the server's accounts DB (accounts_db_url) is not configured"
RECENT = 3600.0  # REGISTER outcomes of at least the last hour count

# acc.auth_result values written by the lab's Kamailio config (docs/lab.md) and what they mean
# for the app's settings.
_AUTH_WORDS = {
    "bad-password": "wrong password in the app",
    "unknown-user": "the app uses a user name the server does not know",
    "disabled": "the account is disabled",
}
_EDITIONS = ("professional", "enterprise")


async def _provisioning(kit: ProbeKit, username: str) -> dict[str, Any] | None:
    db = kit.db
    assert db is not None
    # The obfuscation key is secret-like: compared in SQL would need the app's value, which
    # the server never sees; it is not selected, so it cannot leak into evidence.
    rows = await db.fetch(
        "SELECT username, number, edition, transport, port, disabled FROM provisioning WHERE username = :u",
        {"u": username},
        timeout=kit.op_timeout(0.3),
    )
    return dict(rows[0]) if rows else None


async def _subscriber_exists(kit: ProbeKit, username: str) -> bool:
    db = kit.db
    assert db is not None
    rows = await db.fetch(
        "SELECT 1 AS x FROM subscriber WHERE username = :u", {"u": username}, timeout=kit.op_timeout(0.3)
    )
    return bool(rows)


async def _registration(kit: ProbeKit, username: str) -> Registration | None:
    if kit.rpc is None:
        return None
    try:
        return await lookup(kit, username)
    except (RpcUnavailable, RpcFault):  # evidence only; the DB part still gives a verdict
        return None


class ClientConfigProbe(BaseProbe):
    name: ClassVar[str] = "directory.client_config"
    title: ClassVar[str] = "Are the app's settings right, as far as the server can see?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "correct", FAIL: "wrong", WARN: "correct"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        db = kit.db
        if db is None:
            return Verdict(ERROR, NO_DB)
        typed = party_ident(ctx, params, "account", "caller")
        acct = await account_or_verdict(kit, typed, outcome="wrong")
        if isinstance(acct, Verdict):
            return acct
        user = acct.username
        ev: dict[str, Any] = {"account": user}
        if not await _subscriber_exists(kit, user):
            return Verdict(FAIL, f"{user} is not an account on this server (unknown user name)", ev)
        reasons: list[str] = []
        prov = await _provisioning(kit, user)
        ev["provisioning"] = prov
        if prov is not None and int(prov.get("disabled") or 0):
            reasons.append("the account is disabled on the server")
        # At least the last hour: an app with a wrong password may have failed long before the
        # operator's request; the latest outcome decides, so a later success clears it.
        since = int(min(since_epoch(ctx, time.time()), time.time() - RECENT))
        rows = await db.fetch(
            "SELECT time_epoch, sip_code, sip_reason, auth_result, proto, user_agent, auth_user FROM acc"
            # src_user (the AOR of a REGISTER) is indexed with time_epoch in acc
            " WHERE method = 'REGISTER' AND src_user = :u AND time_epoch >= :s"
            " ORDER BY id DESC LIMIT 20",
            {"u": user, "s": since},
            timeout=kit.op_timeout(0.3),
        )
        ev["register_outcomes_since"] = iso(since)
        ev["register_outcomes"] = [
            {
                "time": iso(r["time_epoch"]),
                "code": r["sip_code"],
                "reason": r["sip_reason"],
                "auth_result": r["auth_result"],
                "transport": r["proto"],
                "user_agent": r["user_agent"],
            }
            for r in rows
        ]
        server_side = False
        if rows:
            latest = rows[0]
            if str(latest["sip_code"]) != "200":
                result = str(latest["auth_result"] or "")
                if result == "db-error":
                    server_side = True
                elif result in _AUTH_WORDS and not (result == "disabled" and reasons):
                    reasons.append(f"{_AUTH_WORDS[result]} (REGISTER got {latest['sip_code']} {latest['sip_reason']})")
                elif result not in _AUTH_WORDS:
                    reasons.append(f"the last REGISTER got {latest['sip_code']} {latest['sip_reason']}")
        reg = await _registration(kit, user)
        if reg is not None:
            ev["registration"] = {"state": reg.state, "contacts": list(reg.contacts)}
        if prov is not None:
            reasons += _transport_mismatch(prov, reg, rows)
            edition = _edition_mismatch(prov, reg, rows)
            if edition:
                reasons.append(edition)
        ev["obfuscation_key"] = "not visible server-side (the app never sends it to the SIP server)"
        if reasons:
            ev["reasons"] = reasons
            return Verdict(FAIL, f"{user}'s app settings look wrong: " + "; ".join(reasons), ev)
        if server_side:
            return Verdict(
                WARN,
                f"{user}'s last REGISTER failed because the server's accounts DB failed "
                "(a server problem, not the app's settings)",
                ev,
            )
        if not rows and (reg is None or reg.state != "registered"):
            return Verdict(
                OK,
                f"nothing wrong visible for {user}: no REGISTER attempts since {iso(since)} and "
                "no registration (the app may not reach the server at all)",
                ev,
            )
        return Verdict(OK, f"{user}'s settings match the provisioning record as far as the server can see", ev)


def _transport_mismatch(prov: Mapping[str, Any], reg: Registration | None, rows: list[dict[str, Any]]) -> list[str]:
    want_tr = str(prov.get("transport") or "").lower()
    want_port = prov.get("port")
    out: list[str] = []
    if reg is not None and reg.state == "registered":
        for c in reg.contacts:
            tr, port = c.get("transport"), c.get("server_port")
            if want_tr and tr and tr != want_tr:
                out.append(f"registered over {str(tr).upper()} but provisioned for {want_tr.upper()}")
            elif want_port and port and int(port) != int(want_port):
                out.append(f"registered on server port {port} but provisioned for port {want_port}")
        return out
    if rows and want_tr:
        seen = str(rows[0].get("proto") or "").lower()
        if seen and seen != want_tr:
            out.append(f"the app last tried {seen.upper()} but is provisioned for {want_tr.upper()}")
    return out


def _edition_mismatch(prov: Mapping[str, Any], reg: Registration | None, rows: list[dict[str, Any]]) -> str | None:
    """Only when the client names its edition in the User-Agent (otherwise not visible)."""
    want = str(prov.get("edition") or "").lower()
    agents = [str(c.get("user_agent") or "") for c in (reg.contacts if reg else ())]
    agents += [str(r.get("user_agent") or "") for r in rows[:1]]
    for ua in agents:
        low = ua.lower()
        named = [e for e in _EDITIONS if e in low]
        if want and named and want not in named:
            return f"the app is the {named[0]} edition but the account is provisioned for {want}"
    return None


class RemotePartyProbe(BaseProbe):
    name: ClassVar[str] = "directory.remote_party"
    title: ClassVar[str] = "Is the other party's configuration in conflict on the server?"
    params: ClassVar[tuple[str, ...]] = ("account",)
    outcomes: ClassVar[Mapping[ProbeStatus, str]] = {OK: "no-conflict", FAIL: "conflict-found"}

    async def check(self, ctx: ProbeContext, params: Mapping[str, Any], kit: ProbeKit) -> Verdict:
        db = kit.db
        if db is None:
            return Verdict(ERROR, NO_DB)
        typed = party_ident(ctx, params, "account", "callee")
        acct = await resolve_account(kit, typed)
        if acct is None:
            return Verdict(FAIL, f"the number {typed} is not assigned to any account", {"typed": typed})
        user = acct.username
        t = kit.op_timeout(0.3)
        conflicts: list[str] = []
        prov = await _provisioning(kit, user)
        numbers = set(acct.numbers)
        if prov is not None and prov.get("number"):
            numbers.add(str(prov["number"]))
        if looks_like_number(typed):
            numbers.add(typed)
        ev: dict[str, Any] = {"account": user, "numbers": sorted(numbers), "provisioning": prov}
        if prov is not None and int(prov.get("disabled") or 0):
            conflicts.append(f"{user}'s account is disabled")
        if looks_like_number(typed):
            # The number the caller dialled may be provisioned for someone else than the
            # account it routes to (a stale or mistyped dbaliases row).
            owners = await db.fetch(
                "SELECT username FROM provisioning WHERE number = :n ORDER BY username", {"n": typed}, timeout=t
            )
            others = [str(r["username"]) for r in owners if str(r["username"]) != user]
            if others:
                conflicts.append(f"{typed} is provisioned for {', '.join(others)} but routes to {user}")
        duplicates: list[dict[str, Any]] = []
        if numbers:
            names = ", ".join(f":n{i}" for i in range(len(numbers)))
            args = {f"n{i}": n for i, n in enumerate(sorted(numbers))}
            # One indexed GROUP BY over dbaliases (Kamailio's schema indexes alias_username).
            dup_rows = await db.fetch(
                "SELECT alias_username AS number, COUNT(*) AS n, MIN(id) AS first_id FROM dbaliases"
                f" WHERE alias_username IN ({names}) GROUP BY alias_username HAVING COUNT(*) > 1",
                args,
                timeout=t,
            )
            owners = await db.fetch(
                f"SELECT alias_username AS number, username, id FROM dbaliases WHERE alias_username IN ({names})"
                " ORDER BY id",
                args,
                timeout=t,
            )
            by_number: dict[str, list[str]] = {}
            for r in owners:
                by_number.setdefault(str(r["number"]), []).append(str(r["username"]))
            for d in dup_rows:
                who = by_number.get(str(d["number"]), [])
                duplicates.append({"number": d["number"], "accounts": who, "routes_to": who[0] if who else None})
                conflicts.append(
                    f"{d['number']} is assigned to {len(who)} accounts ({', '.join(who)}); "
                    f"calls reach {who[0] if who else '?'} only"
                )
            for number, who in by_number.items():
                if who and who[0] != user and number not in {str(d["number"]) for d in dup_rows}:
                    conflicts.append(f"{number} routes to {who[0]}, not to {user}")
            for number in sorted(numbers):
                if number not in by_number:
                    conflicts.append(f"{number} is provisioned for {user} but routes nowhere (not in dbaliases)")
        ev["duplicates"] = duplicates
        reg = await _registration(kit, user)
        if reg is not None:
            ev["registration"] = {"state": reg.state, "contacts": list(reg.contacts)}
            devices = {c.get("call_id") for c in reg.contacts}
            if len(reg.contacts) > 1 and len(devices) > 1:
                agents = sorted({str(c.get("user_agent")) for c in reg.contacts})
                conflicts.append(
                    f"{user} has {len(reg.contacts)} live registrations from different devices or "
                    f"app instances ({', '.join(agents)}); stale ones may get the calls"
                )
        if conflicts:
            ev["conflicts"] = conflicts
            return Verdict(FAIL, "; ".join(conflicts), ev)
        return Verdict(OK, f"no conflict found for {user} (numbers: {', '.join(sorted(numbers)) or 'none'})", ev)


async def duplicate_numbers(kit: ProbeKit, *, timeout: float | None = None) -> list[dict[str, Any]]:
    """Every virtual number assigned more than once, fleet-wide, with its row count.

    One ``GROUP BY ... HAVING`` that the (alias_username, alias_domain) index of Kamailio's
    dbaliases schema answers by an index-only scan: ~0.2-0.26 s for 1M rows on SQLite or
    PostgreSQL, against ~0.65 s for fetching all rows into Python (perf-anchors §3).
    """
    db = kit.db
    if db is None:
        raise ProbeUnavailable(NO_DB)
    return await db.fetch(
        "SELECT alias_username AS number, alias_domain AS domain, COUNT(*) AS n FROM dbaliases"
        " GROUP BY alias_username, alias_domain HAVING COUNT(*) > 1",
        timeout=timeout or kit.timeout,
    )
