"""Registrations and connection events from the appliance's SIP Sessions log (V_SIP_SESSION).

The appliance keeps no registrar interface calltriage may read, so "is it registered now" is
derived from the log: per remote address, the last REGISTER not followed by an UNREGISTER and
not past the expiry its details state (``expires=N``), when they state one. An UNREGISTER
without address (an expiry) ends the registrations whose stated expiry it matches, else all.
Like a registrar, the appliance keeps a registration whose connection dropped until it expires:
a later DISCONNECT of its address is reported on the contact (``disconnected``), and whether
the device still answers is for a SIP check to tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any

from calltriage.backends.port import Contact, EventKind, RegistrationEvent, Registrations
from calltriage.backends.privateserver import views as v
from calltriage.backends.sql import SqlReader
from calltriage.config import PrivateServerSettings

HISTORY = 200  # rows of the account's log read to derive its current registrations
#: how late after a registration's end the appliance may log its expiry (its expiry timer)
EXPIRY_LAG = timedelta(seconds=120)


async def rows(db: SqlReader, view: v.View, account: str, since: datetime | None, tz: tzinfo,
               timeout: float) -> list[dict[str, Any]]:
    """The account's log rows (at or after ``since``, whole seconds; else its recent history),
    oldest first, plus DISCONNECTs of its addresses the appliance has not reconciled yet."""
    t, user = view.col("time"), view.col("username")
    params: dict[str, Any] = {"account": account}
    if since is not None:
        params["since"] = since.astimezone(tz).replace(tzinfo=None, microsecond=0)
        sql = f"{view.select()} WHERE {user} = :account AND {t} >= :since ORDER BY {t}, {view.col('id')}"
        found = await db.fetch(sql, params, timeout=timeout)
    else:
        sql = f"{view.select()} WHERE {user} = :account ORDER BY {t} DESC, {view.col('id')} DESC LIMIT {HISTORY}"
        found = list(reversed(await db.fetch(sql, params, timeout=timeout)))
    if not found or not view.has("remoteaddr"):
        return found
    addrs = sorted({str(r["remoteaddr"]) for r in found if r.get("remoteaddr")})
    if not addrs:
        return found
    marks = ", ".join(f":a{i}" for i in range(len(addrs)))
    extra = await db.fetch(
        f"{view.select()} WHERE {user} IS NULL AND {view.col('remoteaddr')} IN ({marks}) AND {t} >= :first"
        f" ORDER BY {t}", {**{f"a{i}": a for i, a in enumerate(addrs)}, "first": found[0]["time"]}, timeout=timeout)
    return sorted([*found, *extra], key=lambda r: (r["time"], r.get("id") or 0))


def kinds(cfg: PrivateServerSettings) -> dict[str, EventKind]:
    mapping: dict[str, Any] = {**v.SESSION_EVENTS, **cfg.session_events}
    return mapping


def events(found: Sequence[dict[str, Any]], cfg: PrivateServerSettings, tz: tzinfo) -> list[RegistrationEvent]:
    names = kinds(cfg)
    return [v.session_event(r, names[str(r["event"])], tz) for r in found if str(r["event"]) in names]


def _transport(row: dict[str, Any], connected: set[str]) -> str:
    if row.get("tlscipher"):
        return "tls"
    return "tcp" if row.get("remoteaddr") in connected else "udp"


def _ended_by_expiry(live: dict[str, dict[str, Any]], at: datetime, tz: tzinfo) -> list[str]:
    """The registrations an UNREGISTER without address logged at ``at`` ends: those whose stated
    expiry fell just before it (the expiry it reports) or that state none; when none of them
    matches (a registration removed server-side), all of them. An older connection's expiry
    therefore never ends the app's fresh registration from another address."""
    matched = []
    for addr, row in live.items():
        expires = v.expires_of(row.get("details"))
        end = None if expires is None else v.to_utc(row["time"], tz) + timedelta(seconds=expires)
        if end is None or at - EXPIRY_LAG <= end <= at + timedelta(seconds=1):
            matched.append(addr)
    return matched or list(live)


def current(account: str, found: Sequence[dict[str, Any]], cfg: PrivateServerSettings, tz: tzinfo,
            now: datetime) -> Registrations:
    names = kinds(cfg)
    live: dict[str, dict[str, Any]] = {}
    dropped: dict[str, dict[str, Any]] = {}
    connected: set[str] = set()
    seen_register = False
    for row in found:
        kind = names.get(str(row["event"]))
        addr = str(row.get("remoteaddr") or "")
        if kind == "connected" and addr:
            connected.add(addr)
        elif kind == "registered":
            seen_register = True
            live[addr] = row
            dropped.pop(addr, None)
        elif kind == "unregistered":
            if addr:
                live.pop(addr, None)
            else:
                for gone in _ended_by_expiry(live, v.to_utc(row["time"], tz), tz):
                    live.pop(gone, None)
        elif kind == "disconnected" and addr:
            dropped[addr] = row
    contacts: list[Contact] = []
    for addr, row in live.items():
        moment = v.to_utc(row["time"], tz)
        expires = v.expires_of(row.get("details"))
        left = None if expires is None else int((moment + timedelta(seconds=expires) - now).total_seconds())
        if left is not None and left <= 0:
            continue
        contacts.append(Contact(
            address=None, transport=_transport(row, connected), server_port=None, source=addr or None,
            expires=left, user_agent=row.get("useragent"), last_modified=moment,
            extra={"tlscipher": row.get("tlscipher"), "from": "sip_sessions",
                   "disconnected": v.to_utc(dropped[addr]["time"], tz).isoformat() if addr in dropped else None},
        ))
    if contacts:
        return Registrations(account, "registered", tuple(contacts))
    return Registrations(account, "no-contacts" if seen_register else "not-found")
