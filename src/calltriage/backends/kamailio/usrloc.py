"""Kamailio's registrar over JSON-RPC: ``ul.lookup`` (one account) and ``ul.dump`` (the fleet),
read into the port's ``Contact``/``Registrations``.

usrloc answers an AOR without live contacts with a JSON-RPC error (Kamailio 5.6, HTTP 500):
"AOR not found in location table" (never registered, or expired and purged by the timer) or
"AOR has no contacts" (expired recently, not yet purged).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from calltriage.backends.kamailio.jsonrpc import JsonRpcClient, RpcFault
from calltriage.backends.port import Contact, RegistrationEvent, Registrations

NOT_FOUND = "AOR not found"
NO_CONTACTS = "AOR has no contacts"
LOCATION_TABLE = "location"


def _unset(value: Any) -> Any:
    return None if value in (None, "[not set]", "") else value


def contact(raw: Mapping[str, Any]) -> Contact:
    socket = str(raw.get("Socket") or "")
    expires = raw.get("Expires")
    modified = raw.get("Last-Modified")
    host_port = socket.rsplit(":", 1)
    return Contact(
        address=_unset(raw.get("Address")),
        # "Socket" is the server's socket the contact came in on: "tls:127.0.0.1:5061"
        transport=socket.split(":", 1)[0].lower() if ":" in socket else None,
        server_port=int(host_port[1]) if len(host_port) == 2 and host_port[1].isdigit() else None,
        source=_unset(raw.get("Received")),
        # seconds left; usrloc prints "permanent" for a contact without expiry
        expires=expires if isinstance(expires, int) else None,
        user_agent=_unset(raw.get("User-Agent")),
        last_modified=datetime.fromtimestamp(modified, UTC) if isinstance(modified, int) and modified > 0 else None,
        call_id=_unset(raw.get("Call-ID")),
        extra={"permanent": True} if expires == "permanent" else {},
    )


def live(c: Contact) -> bool:
    return bool(c.extra.get("permanent")) or (c.expires is not None and c.expires > 0)


async def lookup(rpc: JsonRpcClient, username: str, timeout: float) -> Registrations:
    """``ul.lookup location <username>``; raises ``RpcUnavailable`` when nothing answers."""
    try:
        result = await rpc.call("ul.lookup", LOCATION_TABLE, username, timeout=timeout)
    except RpcFault as exc:
        msg = exc.message.lower()
        if NO_CONTACTS.lower() in msg:
            return Registrations(username, "no-contacts")
        if NOT_FOUND.lower() in msg:
            return Registrations(username, "not-found")
        raise
    contacts = tuple(contact(c.get("Contact", {})) for c in (result or {}).get("Contacts", []))
    alive = tuple(c for c in contacts if live(c))
    return Registrations(username, "registered" if alive else "no-contacts", alive)


async def dump(rpc: JsonRpcClient, timeout: float) -> dict[str, tuple[Contact, ...]]:
    """Every AOR's live contacts in one ``ul.dump`` (fleet-wide checks: one ~5 MB reply for 10k
    contacts, 4-12x faster than one ``ul.lookup`` per account)."""
    result = await rpc.call("ul.dump", timeout=timeout)
    out: dict[str, tuple[Contact, ...]] = {}
    for domain in (result or {}).get("Domains", []):
        for entry in domain.get("Domain", {}).get("AoRs", []):
            info = entry.get("Info", entry)
            contacts = (contact(c.get("Contact", {})) for c in info.get("Contacts", []))
            out[str(info.get("AoR"))] = tuple(c for c in contacts if live(c))
    return out


async def registered_aors(rpc: JsonRpcClient, timeout: float) -> set[str]:
    """The AORs with at least one contact, from ``ul.dump brief`` (names only, ~30x smaller)."""
    result = await rpc.call("ul.dump", "brief", timeout=timeout)
    out: set[str] = set()
    for domain in (result or {}).get("Domains", []):
        for entry in domain.get("Domain", {}).get("AoRs", []):
            aor = entry.get("Info", entry).get("AoR")
            if aor:
                out.add(str(aor))
    return out


def refreshes(reg: Registrations, since: datetime) -> list[RegistrationEvent]:
    """The live contacts refreshed at or after ``since`` as "registered" events. usrloc keeps
    whole seconds: a refresh in the same second as ``since`` is included (``precise=False``)."""
    floor = since.replace(microsecond=0)
    return [
        RegistrationEvent(
            time=c.last_modified, kind="registered", source="registrar", precise=False, code=200,
            transport=c.transport, remote=c.source or c.address, user_agent=c.user_agent, expires=c.expires,
        )
        for c in reg.contacts
        if c.last_modified is not None and c.last_modified >= floor
    ]
