"""Backend ``kamailio``: a stock Kamailio 5.x with its standard modules and schema.

Sources: the registrar over JSON-RPC (``jsonrpcs``: ``ul.lookup``, ``ul.dump``, ``core.uptime``;
HTTP via ``xhttp`` or the FIFO), and read-only SQL on its database: ``subscriber`` (auth_db),
``dbaliases`` (alias_db), ``acc`` / ``missed_calls`` (acc, standard columns plus the stock
config's ``db_extra``). Optional enrichments, used when present and never required:
sub-second and extra ``acc`` columns (``records.py``) and a ``provisioning`` table
(``directory.py``). What the app must be configured with comes from that table when there is
one, else from the calltriage config (``app_transport``, ``app_port``, ``min_client_version``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from calltriage.backends import parts
from calltriage.backends.base import BackendBase
from calltriage.backends.kamailio import directory as dirs
from calltriage.backends.kamailio import health, records, usrloc
from calltriage.backends.kamailio.health import NO_DB, NO_RPC, STOCK_CALLS
from calltriage.backends.kamailio.jsonrpc import JsonRpcClient, RpcFault, RpcUnavailable
from calltriage.backends.port import (
    AppConfig,
    BackendEnv,
    CallAttempts,
    CannotTell,
    Capability,
    Contact,
    ControlPlane,
    DirectoryEntry,
    NumberRoutes,
    RegistrationEvent,
    RegistrationEvents,
    Registrations,
    ServicePart,
    utc,
)
from calltriage.backends.sql import SqlUnavailable
from calltriage.config import ServerSettings


def _rpc_cannot(exc: RpcUnavailable | RpcFault) -> CannotTell:
    if isinstance(exc, RpcFault):
        return CannotTell(f"the control interface refused the request: {exc.message}")
    return CannotTell(f"could not reach the control interface: {exc}")


class KamailioBackend(BackendBase):
    name = "kamailio"

    def __init__(self, settings: ServerSettings, env: BackendEnv) -> None:
        super().__init__(settings, env)
        self._rpc: JsonRpcClient | None = None
        self._tables: dict[str, records.Table] = {}
        self._provisioning: dirs.Provisioning | None = None

    # ----- sources -----

    @property
    def rpc(self) -> JsonRpcClient | None:
        url = self.settings.server.jsonrpc_url
        if url is None:
            return None
        if self._rpc is None or self._rpc.url != url:
            self._rpc = JsonRpcClient(url, ssl_context=self.env.ssl_context() if url.startswith("https") else None)
        return self._rpc

    def _forget_schema(self) -> None:
        self._tables.clear()
        self._provisioning = None

    @property
    def provisioning(self) -> dirs.Provisioning | None:
        db = self.db
        if db is None:
            return None
        if self._provisioning is None:
            self._provisioning = dirs.Provisioning(db)
        return self._provisioning

    async def _table(self, name: str) -> records.Table:
        table = self._tables.get(name)
        if table is None:
            assert self.db is not None
            table = self._tables[name] = await records.describe(self.db, name, self._t())
        return table

    # ----- the port -----

    def capabilities(self) -> Mapping[str, Capability]:
        s = self.settings.server
        return health.capabilities(s.jsonrpc_url is not None, s.accounts_db_url is not None, s.acc_register_outcomes)

    async def registrations(self, account: str) -> Registrations | CannotTell:
        rpc = self.rpc
        if rpc is None:
            return CannotTell(NO_RPC)
        await self.env.limiter.acquire()
        try:
            return await usrloc.lookup(rpc, account, self._t(0.5))
        except (RpcUnavailable, RpcFault) as exc:
            return _rpc_cannot(exc)

    async def registration_events(self, account: str, since: datetime) -> RegistrationEvents | CannotTell:
        since = utc(since)
        events: list[RegistrationEvent] = []
        sources: list[str] = []
        precise: list[str] = []
        unavailable: dict[str, str] = {}
        if self.rpc is not None:
            reg = await self.registrations(account)
            if isinstance(reg, CannotTell):
                unavailable["registrar"] = reg.reason
            else:
                sources.append("registrar")
                events += usrloc.refreshes(reg, since)
        if self.db is not None:
            try:
                table = await self._table("acc")
                rows = await records.fetch(self.db, table, "REGISTER", account, since, self.tz, self._t())
                sources.append("accounting")
                if table.precise:
                    precise.append("accounting")
                events += [records.register_event(t, r, table) for t, r in rows]
            except SqlUnavailable as exc:
                self._tables.pop("acc", None)
                unavailable["accounting"] = str(self._db_cannot(exc))
        if not sources:
            if unavailable:
                return CannotTell("; ".join(unavailable.values()))
            return CannotTell(f"{NO_RPC}; {NO_DB}")
        events.sort(key=lambda e: e.time)
        sees_refusals = "accounting" in sources and self.settings.server.acc_register_outcomes
        return RegistrationEvents(
            account, since, tuple(events), tuple(sources), unavailable, tuple(precise), sees_refusals
        )

    async def call_attempts(
        self, account: str, since: datetime, targets: Sequence[str] = ()
    ) -> CallAttempts | CannotTell:
        db = self.db
        if db is None:
            return CannotTell(NO_DB + ", so call attempts are not visible")
        since = utc(since)
        await self.env.limiter.acquire()
        found: list[Any] = []
        unavailable: dict[str, str] = {}
        read = 0
        for name in records.CALL_TABLES:
            try:
                table = await self._table(name)
                rows = await records.fetch(db, table, "INVITE", account, since, self.tz, self._t(), targets)
            except SqlUnavailable as exc:
                self._tables.pop(name, None)
                unavailable[name] = str(self._db_cannot(exc))
                continue
            read += 1
            found += [records.call_attempt(t, r, table) for t, r in rows]
        if not read:
            return CannotTell("; ".join(unavailable.values()))
        found = records.dedupe(sorted(found, key=lambda a: a.time))
        return CallAttempts(account, since, tuple(found), STOCK_CALLS, unavailable)

    async def directory(self, account: str) -> DirectoryEntry | CannotTell:
        db = self.db
        if db is None:
            return CannotTell(NO_DB)
        t = self._t()
        try:
            exists = await dirs.subscriber_exists(db, account, t)
            numbers = await dirs.numbers_of(db, account, t)
        except SqlUnavailable as exc:
            return self._db_cannot(exc)
        notes: list[str] = []
        record: Mapping[str, Any] | None = None
        prov = self.provisioning
        try:
            record = await prov.record(account, t) if prov is not None else None
        except SqlUnavailable as exc:
            notes.append(f"the provisioning record could not be read: {exc}")
        if record is None and prov is not None and prov.missing:
            notes.append(f"{prov.missing}: whether the account is disabled is not visible")
        disabled = bool(int(record["disabled"] or 0)) if record and "disabled" in record else None
        return DirectoryEntry(account, exists, disabled, numbers, self._app(record), tuple(notes))

    def _app(self, record: Mapping[str, Any] | None) -> AppConfig | None:
        return dirs.app_config(record, self.settings)

    async def app_requirements(self) -> AppConfig | CannotTell:
        app = self._app(None)
        if app is None:
            return CannotTell("no app requirements configured ([server] min_client_version, app_transport, app_port)")
        return app

    async def numbers_of(self, account: str) -> tuple[str, ...] | CannotTell:
        db = self.db
        if db is None:
            return CannotTell(NO_DB)
        try:
            return await dirs.numbers_of(db, account, self._t())
        except SqlUnavailable as exc:
            return self._db_cannot(exc)

    async def number_routes(self, number: str) -> NumberRoutes | CannotTell:
        db = self.db
        if db is None:
            return CannotTell(NO_DB + ", so numbers cannot be resolved")
        t = self._t()
        try:
            accounts = await dirs.routes_of(db, number, t)
        except SqlUnavailable as exc:
            return self._db_cannot(exc)
        owners: tuple[str, ...] | None = None
        prov = self.provisioning
        if prov is not None:
            try:
                owners = await prov.owners_of(number, t)
            except SqlUnavailable:
                owners = None  # an optional enrichment: unknown
        return NumberRoutes(number, accounts, False, owners)

    async def services(self, timeout: float) -> Sequence[ServicePart]:
        control = health.control_part(await self.control_plane(timeout))
        db = await health.db_part(self.db, timeout)
        others = [
            await parts.console(self.settings, self.env.ssl_context, timeout),
            await parts.ssh_banner(self.settings, timeout),
            await parts.metrics(self.settings, self.env.ssl_context, timeout),
        ]
        return [control, db, *others]

    async def control_plane(self, timeout: float) -> ControlPlane | CannotTell:
        rpc = self.rpc
        if rpc is None:
            return CannotTell(NO_RPC)
        return await health.uptime(rpc, timeout)

    # ----- fleet-wide (bulk) reads -----

    async def all_registrations(self, timeout: float | None = None) -> dict[str, tuple[Contact, ...]] | CannotTell:
        rpc = self.rpc
        if rpc is None:
            return CannotTell(NO_RPC)
        try:
            return await usrloc.dump(rpc, timeout or self._t(1.0))
        except (RpcUnavailable, RpcFault) as exc:
            return _rpc_cannot(exc)

    async def registered_accounts(self, timeout: float | None = None) -> set[str] | CannotTell:
        rpc = self.rpc
        if rpc is None:
            return CannotTell(NO_RPC)
        try:
            return await usrloc.registered_aors(rpc, timeout or self._t(1.0))
        except (RpcUnavailable, RpcFault) as exc:
            return _rpc_cannot(exc)

    async def duplicate_numbers(self, timeout: float | None = None) -> list[dict[str, Any]] | CannotTell:
        db = self.db
        if db is None:
            return CannotTell(NO_DB)
        try:
            return await dirs.duplicate_numbers(db, timeout or self._t(1.0))
        except SqlUnavailable as exc:
            return self._db_cannot(exc)

