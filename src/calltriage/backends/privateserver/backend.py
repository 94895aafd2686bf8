"""Backend ``privateserver``: a PrivateServer appliance through its documented interfaces only.

Sources: the read-only SQL views on the appliance's MySQL/MariaDB port (``V_SIP_SESSION``,
``V_CDR``, ``V_AUTH_EVENT``, ``V_AUDIT_EVENT``; column mapping in ``views.py``), one
configurable read-only accounts query (``[server.privateserver] accounts_query``), the Nagios
NRPE checks (``nrpe.py``, Debian's check_nrpe) and the HTTPS console's health page. The
appliance exposes no registrar interface: live registrations are derived from the SIP Sessions
log (the last REGISTER not followed by UNREGISTER or a DISCONNECT of its connection), so they
are whole-truth only as far as that log goes (capability ``partial``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from calltriage.backends import parts
from calltriage.backends.base import BackendBase
from calltriage.backends.port import (
    AppConfig,
    BackendEnv,
    CallAttempt,
    CallAttempts,
    CannotTell,
    Capability,
    ControlPlane,
    DirectoryEntry,
    NumberRoutes,
    RegistrationEvent,
    RegistrationEvents,
    Registrations,
    ServicePart,
    utc,
)
from calltriage.backends.privateserver import accounts, console, health, nrpe, records, sessions
from calltriage.backends.privateserver import views as v
from calltriage.backends.sql import SqlUnavailable
from calltriage.config import ServerSettings

NO_DB = "the appliance's views are not configured ([server] accounts_db_url)"
NO_QUERY = "no accounts query configured ([server.privateserver] accounts_query)"
CDR_RECORDS = "calls that reached routing (V_CDR) and calls refused at authentication (V_AUTH_EVENT)"


class PrivateServerBackend(BackendBase):
    name = "privateserver"
    db_label = "the appliance's views"

    def __init__(self, settings: ServerSettings, env: BackendEnv) -> None:
        super().__init__(settings, env)
        self.cfg = settings.server.privateserver
        self.views = v.views(self.cfg)

    # ----- declarations -----

    def capabilities(self) -> Mapping[str, Capability]:
        db = self.db is not None
        no_db = Capability.no(NO_DB)
        query = self.cfg.accounts_query is not None
        console = self.settings.server.console_url is not None
        directory = (Capability.yes() if query else Capability.no(NO_QUERY)) if db else no_db
        return {
            "registrations": Capability.partial(
                "derived from the SIP Sessions log (V_SIP_SESSION), not a live registrar: contact URIs are "
                "not exposed, expiry only where the log states it") if db else no_db,
            "registration_events": Capability.yes() if db else no_db,
            "call_attempts": Capability.yes(CDR_RECORDS) if db else no_db,
            "directory": directory,
            "number_routes": directory,
            "services": Capability.yes() if self.cfg.nrpe_commands or console else Capability.partial(
                "no NRPE commands ([server.privateserver] nrpe_commands) nor console_url configured"),
            "control_plane": Capability.yes() if console else Capability.no(
                "the appliance's console health URL is not configured ([server] console_url)"),
        }

    # ----- registrations and events -----

    async def _session_rows(self, account: str, since: datetime | None) -> list[dict[str, Any]]:
        assert self.db is not None
        await self.env.limiter.acquire()
        return await sessions.rows(self.db, self.views["sip_session"], account, since, self.tz, self._t())

    async def _engine_down(self) -> CannotTell | None:
        """While the appliance's own console says its SIP engine is down, its session log says
        nothing about now (nothing writes it): questions about "now" cannot be told."""
        url = self.settings.server.console_url
        if url is None:
            return None
        why = await console.engine_failure(url, self.env.ssl_context(), self._t(0.6))
        return None if why is None else CannotTell(f"{why}: its SIP Sessions log cannot tell what happens now")

    async def registrations(self, account: str) -> Registrations | CannotTell:
        if self.db is None:
            return CannotTell(NO_DB)
        down = await self._engine_down()
        if down is not None:
            return down
        try:
            rows = await self._session_rows(account, None)
        except SqlUnavailable as exc:
            return self._db_cannot(exc)
        return sessions.current(account, rows, self.cfg, self.tz, datetime.now(UTC))

    async def registration_events(self, account: str, since: datetime) -> RegistrationEvents | CannotTell:
        if self.db is None:
            return CannotTell(NO_DB)
        down = await self._engine_down()
        if down is not None:
            return down
        since = utc(since)
        events: list[RegistrationEvent] = []
        read: list[str] = []
        unavailable: dict[str, str] = {}
        try:
            rows = await self._session_rows(account, since)
            events += sessions.events(rows, self.cfg, self.tz)
            read.append("sip_sessions")
        except SqlUnavailable as exc:
            unavailable["sip_sessions"] = str(self._db_cannot(exc))
        try:
            auth = await self._auth_rows(account, since)
            events += [v.refused_event(r, cause, self.tz) for r, cause in auth if _method(r) in (None, "REGISTER")]
            read.append("auth_events")
        except SqlUnavailable as exc:
            unavailable["auth_events"] = str(self._db_cannot(exc))
        if not read:
            return CannotTell("; ".join(unavailable.values()))
        events = sorted((e for e in events if _after(e.time, e.precise, since)), key=lambda e: e.time)
        precise = tuple(src for src in read if any(e.precise for e in events if _source(e) == src))
        # refused REGISTERs are in V_AUTH_EVENT: silence there means none reached the appliance
        return RegistrationEvents(account, since, tuple(events), tuple(read), unavailable, precise,
                                  sees_refusals="auth_events" in read)

    async def _auth_rows(self, account: str, since: datetime) -> list[tuple[dict[str, Any], Any]]:
        assert self.db is not None
        await self.env.limiter.acquire()
        return await records.auth_failures(self.db, self.views["auth_event"], self.cfg, account, since, self.tz,
                                           self._t())

    # ----- calls -----

    async def call_attempts(self, account: str, since: datetime,
                            targets: Sequence[str] = ()) -> CallAttempts | CannotTell:
        if self.db is None:
            return CannotTell(NO_DB + ", so call attempts are not visible")
        since = utc(since)
        found: list[CallAttempt] = []
        unavailable: dict[str, str] = {}
        numbers: tuple[str, ...] = ()
        if self.cfg.accounts_query is not None:
            known = await self.numbers_of(account)
            if isinstance(known, CannotTell):
                unavailable["accounts"] = known.reason
            else:
                numbers = known
        read = 0
        try:
            await self.env.limiter.acquire()
            found += await records.cdr(self.db, self.views["cdr"], account, numbers, since, self.tz, self._t())
            read += 1
        except SqlUnavailable as exc:
            unavailable["cdr"] = str(self._db_cannot(exc))
        try:
            auth = await self._auth_rows(account, since)
            found += [v.refused_call(r, cause, account, self.tz) for r, cause in auth if _method(r) == "INVITE"]
            read += 1
        except SqlUnavailable as exc:
            unavailable["auth_events"] = str(self._db_cannot(exc))
        if not read:
            return CannotTell("; ".join(unavailable.values()))
        if targets:
            wanted = set(targets)
            found = [a for a in found if a.dialled in wanted or a.reached in wanted]
        found = [a for a in found if _after(a.time, a.precise, since)]
        return CallAttempts(account, since, tuple(sorted(found, key=lambda a: a.time)), CDR_RECORDS, unavailable)

    # ----- directory and numbers -----

    async def directory(self, account: str) -> DirectoryEntry | CannotTell:
        rows = await self._accounts("username", account)
        if isinstance(rows, CannotTell):
            return rows
        notes: list[str] = []
        changes = await self._changes(account)
        if isinstance(changes, CannotTell):
            notes.append(changes.reason)
        else:
            notes += changes
        return accounts.entry(account, rows, self.settings.server, tuple(notes))

    async def _accounts(self, column: Literal["username", "number"], value: str) -> list[dict[str, Any]] | CannotTell:
        if self.db is None:
            return CannotTell(NO_DB)
        if self.cfg.accounts_query is None:
            return CannotTell(NO_QUERY)
        await self.env.limiter.acquire()
        try:
            return await accounts.fetch(self.db, self.cfg.accounts_query, column, value, self._t())
        except SqlUnavailable as exc:
            return self._db_cannot(exc)

    async def _changes(self, account: str) -> list[str] | CannotTell:
        """Recent configuration changes of the account (V_AUDIT_EVENT), newest first."""
        assert self.db is not None
        try:
            return await records.changes(self.db, self.views["audit_event"], account, self.tz, self._t())
        except SqlUnavailable as exc:
            return CannotTell(f"recent changes not visible: {exc}")

    async def app_requirements(self) -> AppConfig | CannotTell:
        s = self.settings.server
        if s.app_transport or s.app_port or s.min_client_version:
            return AppConfig("config", s.app_transport, s.app_port, s.min_client_version)
        return CannotTell("no app requirements configured ([server] min_client_version, app_transport, app_port)")

    async def numbers_of(self, account: str) -> tuple[str, ...] | CannotTell:
        rows = await self._accounts("username", account)
        if isinstance(rows, CannotTell):
            return rows
        return accounts.numbers(rows)

    async def number_routes(self, number: str) -> NumberRoutes | CannotTell:
        rows = await self._accounts("number", number)
        if isinstance(rows, CannotTell):
            return rows
        owners = accounts.owners(rows)
        return NumberRoutes(number, owners, False, owners)

    # ----- services and control plane -----

    async def services(self, timeout: float) -> Sequence[ServicePart]:
        out = list(await nrpe.run_all(self.settings, timeout))
        out.append(await health.views_part(self.db, self.views, self.cfg.accounts_query, timeout))
        out.append(await parts.console(self.settings, self.env.ssl_context, timeout))
        out.append(await parts.ssh_banner(self.settings, timeout))
        out.append(await parts.metrics(self.settings, self.env.ssl_context, timeout))
        return out

    async def control_plane(self, timeout: float) -> ControlPlane | CannotTell:
        url = self.settings.server.console_url
        if url is None:
            return CannotTell("the appliance's console health URL is not configured ([server] console_url)")
        return await console.health(url, self.env.ssl_context(), timeout)


def _method(row: Mapping[str, Any]) -> str | None:
    return v.method_code(row.get("details"))[0]


def _source(event: RegistrationEvent) -> str:
    return event.source


def _after(moment: datetime, precise: bool, since: datetime) -> bool:
    """At or after ``since``: to the microsecond for a precise record, else by the second."""
    return moment >= since if precise else moment >= since.replace(microsecond=0)
