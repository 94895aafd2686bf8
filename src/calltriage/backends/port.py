"""The server port: the questions checks ask a SIP server, answered by one backend per kind of
server (``kamailio``, ``privateserver``, ...).

Contract (stable; changes are additive only):

* Every question returns its typed evidence **or** ``CannotTell``. ``CannotTell`` means
  "calltriage could not look" (no such source on this server, not configured, a missing DB
  driver, a missing grant or table, a refused or silent connection): it is never a finding
  about the server. A check turns it into an ``error`` result and the playbook node falls back
  to a question for the operator.
* Third-party errors (drivers, sockets, JSON-RPC faults) are translated once, inside the
  backend, into ``CannotTell`` with one plain sentence naming the source and the fix. No
  backend method raises for a broken or unreachable server; a raise is a calltriage bug.
* Times are timezone-aware UTC ``datetime``s. ``since`` arguments may be naive (taken as UTC).
  Each record says whether its time is precise (sub-second) or whole seconds.
* Checks never learn which server answers: they see these dataclasses only. What a backend can
  answer at all is declared by ``capabilities()`` (question -> ``Capability``), from its
  configuration, before anything is asked.
* Methods are coroutines running on the probe runner's event loop; a backend bounds every I/O
  with ``op_timeout`` from its ``BackendEnv`` and takes a token from ``env.limiter`` per
  server operation.

The questions (``QUESTIONS``): ``registrations`` (live contacts of an account),
``registration_events`` (REGISTER / connection events since a moment), ``call_attempts``
(calls by an account since a moment with final codes and the side that failed), ``directory``
(does the account exist, is it disabled, its numbers, what the app must be configured with),
``app_requirements`` (what every app must be configured with), ``number_routes`` (which
accounts a number routes to), ``services`` (the server's services
and resources), ``control_plane`` (can calltriage reach the server's management interface).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal, Protocol, TypeAlias, TypeVar, runtime_checkable

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------
# "cannot tell"


@dataclass(frozen=True, slots=True)
class CannotTell:
    """calltriage could not look (never a verdict about the server). ``reason`` is one plain
    sentence for the operator, naming the source and, when there is one, the fix."""

    reason: str

    def __str__(self) -> str:
        return self.reason


#: ``Answer[X]`` = the evidence ``X`` or ``CannotTell``.
Answer: TypeAlias = T | CannotTell


class CannotTellError(Exception):
    """Raised by ``need()`` inside a check; the check wrapper turns it into an ``error`` result."""

    def __init__(self, why: CannotTell) -> None:
        super().__init__(why.reason)
        self.why = why


def need(answer: T | CannotTell) -> T:
    """The evidence, or stop the check with "could not tell: ..." (an ``error`` result)."""
    if isinstance(answer, CannotTell):
        raise CannotTellError(answer)
    return answer


def server_timezone(name: str | None) -> tzinfo:
    """The zone a server writes its local times in: the configured ``[server] timezone``, else
    this machine's (a server on the same host, as the labs are)."""
    if name:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (a naive one is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc(moment).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------------
# registrations

Transport = Literal["udp", "tcp", "tls", "ws", "wss"]


@dataclass(frozen=True, slots=True)
class Contact:
    """One live registration (one device / app instance) of an account."""

    address: str | None  # the Contact URI the app registered
    transport: str | None  # transport of the server socket it came in on: "udp" | "tcp" | "tls"
    server_port: int | None  # the server port it came in on
    source: str | None  # where it really came from (NAT/source address), when the server knows
    expires: int | None  # seconds left; None = permanent / unknown
    user_agent: str | None
    last_modified: datetime | None  # last REGISTER refresh (UTC; whole seconds on Kamailio)
    call_id: str | None = None  # the registering dialog: different Call-IDs = different devices/instances
    extra: Mapping[str, Any] = field(default_factory=dict)  # backend-specific evidence (JSON-safe)

    def evidence(self) -> dict[str, Any]:
        """The JSON shape checks put in their evidence."""
        return {
            "address": self.address,
            "transport": self.transport,
            "server_port": self.server_port,
            "source": self.source,
            "expires": self.expires,
            "user_agent": self.user_agent,
            "last_modified": iso(self.last_modified),
            "call_id": self.call_id,
            **dict(self.extra),
        }


RegistrationState = Literal["registered", "not-found", "no-contacts"]


@dataclass(frozen=True, slots=True)
class Registrations:
    """The account's live registrations now.

    ``state``: ``registered`` (at least one live contact), ``no-contacts`` (the server knows
    the account registered recently but nothing is live: expired, not yet purged),
    ``not-found`` (no registration known: never registered, or expired long ago).
    """

    account: str
    state: RegistrationState
    contacts: tuple[Contact, ...] = ()

    @property
    def registered(self) -> bool:
        return self.state == "registered"

    def evidence(self) -> dict[str, Any]:
        return {"state": self.state, "contacts": [c.evidence() for c in self.contacts]}


# ---------------------------------------------------------------------------------------------
# registration / connection events

EventKind = Literal["registered", "refused", "unregistered", "connected", "disconnected"]
#: why a REGISTER was refused, when the server says: "bad-password", "unknown-user", "disabled",
#: "tls-required" (the account may connect over TLS only),
#: "server-error" (the server's own fault, e.g. its accounts DB), "other"
RefusalCause = Literal["bad-password", "unknown-user", "disabled", "tls-required", "server-error", "other"]


@dataclass(frozen=True, slots=True)
class RegistrationEvent:
    time: datetime  # UTC
    kind: EventKind
    source: str  # which record told: "registrar", "accounting", "sessions", ...
    precise: bool = False  # sub-second time (False: whole seconds; same-second ties are ambiguous)
    code: int | None = None  # final SIP code of a REGISTER
    reason: str | None = None
    cause: RefusalCause | None = None  # for "refused", when the server records why
    transport: str | None = None
    remote: str | None = None  # the app's address as the server saw it
    user_agent: str | None = None
    expires: int | None = None  # requested expiry (0 = un-REGISTER)

    def evidence(self) -> dict[str, Any]:
        return {
            "time": iso(self.time),
            "kind": self.kind,
            "source": self.source,
            "code": self.code,
            "reason": self.reason,
            "cause": self.cause,
            "transport": self.transport,
            "remote": self.remote,
            "user_agent": self.user_agent,
        }


@dataclass(frozen=True, slots=True)
class RegistrationEvents:
    """Events of one account at or after ``since``, oldest first.

    ``sources`` lists the records that were read; ``unavailable`` maps a source that exists on
    this kind of server but could not be read now to the reason (evidence is partial then).
    """

    account: str
    since: datetime
    events: tuple[RegistrationEvent, ...]
    sources: tuple[str, ...]
    unavailable: Mapping[str, str] = field(default_factory=dict)
    # sources among ``sources`` whose records have sub-second times
    precise_sources: tuple[str, ...] = ()
    # whether a REGISTER the server refused would show among the events: False when the backend
    # knows it would not (the server records only successful registrations: then silence does not
    # mean that no REGISTER reached it), None when the backend does not say
    sees_refusals: bool | None = None


# ---------------------------------------------------------------------------------------------
# call attempts

#: which side a failed call attempt failed on:
#: "caller" - refused before routing (authentication, disabled account, not allowed);
#: "callee" - routed by the server, then failed at or for the callee (unknown/unregistered
#:            callee, device unreachable, busy, declined, no answer);
#: "server" - the server itself failed (5xx of its own, its DB); None - answered.
FailedSide = Literal["caller", "callee", "server", "unknown"]


@dataclass(frozen=True, slots=True)
class CallAttempt:
    time: datetime  # UTC, of the final answer
    caller: str
    dialled: str | None  # what the app dialled (user part of To / R-URI before number resolution)
    reached: str | None  # the account it routed to (after number resolution), when known
    code: int | None  # final SIP code
    reason: str | None
    source: str  # which record told: "acc", "missed_calls", "cdr", ...
    precise: bool = False
    failed_side: FailedSide | None = None
    cause: str | None = None  # e.g. "bad-password" when the server records why
    transport: str | None = None
    call_id: str | None = None

    @property
    def answered(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


@dataclass(frozen=True, slots=True)
class CallAttempts:
    """Finished call attempts by ``account`` at or after ``since``, oldest first.

    ``records`` says which attempts this server records at all (e.g. stock Kamailio: answered
    calls and routed failures only; a call refused before routing leaves no row), so a check can
    tell "no attempt" from "no attempt the server would record".
    """

    account: str
    since: datetime
    attempts: tuple[CallAttempt, ...]
    records: str
    unavailable: Mapping[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# directory and numbers


@dataclass(frozen=True, slots=True)
class AppConfig:
    """What the app must be configured with, when the server (or its config) knows it.

    ``origin``: "account" (per-account record on the server) or "config" (the calltriage
    config file's ``[server]`` defaults for every account). ``None`` fields are unknown.
    """

    origin: Literal["account", "config"]
    transport: str | None = None
    port: int | None = None
    min_version: str | None = None
    edition: str | None = None
    number: str | None = None

    def evidence(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "transport": self.transport,
            "port": self.port,
            "min_version": self.min_version,
            "edition": self.edition,
            "number": self.number,
        }


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """An account as the server's directory knows it. ``disabled`` is None when this server
    has no such notion (or the source that holds it is not readable)."""

    username: str
    exists: bool
    disabled: bool | None = None
    numbers: tuple[str, ...] = ()  # virtual numbers routing to it, in routing order of their rows
    app: AppConfig | None = None
    notes: tuple[str, ...] = ()  # partial evidence: e.g. "disabled flag not readable: ..."

    def evidence(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "exists": self.exists,
            "disabled": self.disabled,
            "numbers": list(self.numbers),
            "app": self.app.evidence() if self.app else None,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class NumberRoutes:
    """Which accounts ``number`` routes to, in the server's routing order: calls reach
    ``accounts[0]`` (or all of them when ``forks``). ``provisioned_for`` lists the accounts a
    provisioning record assigns the number to, None when the server keeps no such record."""

    number: str
    accounts: tuple[str, ...]
    forks: bool = False
    provisioned_for: tuple[str, ...] | None = None

    @property
    def routes_to(self) -> str | None:
        return self.accounts[0] if self.accounts else None


# ---------------------------------------------------------------------------------------------
# services and control plane

PartStatus = Literal["ok", "warn", "fail", "skipped", "unknown"]


@dataclass(frozen=True, slots=True)
class ServicePart:
    """One service or resource of the server. ``fail``/``warn`` are findings about the server;
    ``unknown`` = could not tell (calltriage's side: not reachable from here, no grant, missing
    driver), ``skipped`` = not configured."""

    name: str
    status: PartStatus
    detail: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "detail": self.detail, **dict(self.evidence)}


@dataclass(frozen=True, slots=True)
class ControlPlane:
    """The server's management interface answered (``reachable``) or how it failed."""

    reachable: bool
    detail: str
    uptime_s: float | None = None
    version: str | None = None


# ---------------------------------------------------------------------------------------------
# capabilities

#: The port's questions, the keys of ``capabilities()``.
QUESTIONS: tuple[str, ...] = (
    "registrations",
    "registration_events",
    "call_attempts",
    "directory",
    "number_routes",
    "services",
    "control_plane",
)


@dataclass(frozen=True, slots=True)
class Capability:
    """Whether a backend can answer one question with its configuration: ``yes``, ``partial``
    (some evidence is missing on this server: ``note`` says which) or ``no`` (``note`` says why
    and what to configure)."""

    level: Literal["yes", "partial", "no"]
    note: str = ""

    def __str__(self) -> str:
        return self.level if not self.note else f"{self.level}: {self.note}"

    @classmethod
    def yes(cls, note: str = "") -> Capability:
        return cls("yes", note)

    @classmethod
    def partial(cls, note: str) -> Capability:
        return cls("partial", note)

    @classmethod
    def no(cls, note: str) -> Capability:
        return cls("no", note)


# ---------------------------------------------------------------------------------------------
# the port


class Limiter(Protocol):
    async def acquire(self) -> None: ...


@dataclass(frozen=True, slots=True)
class BackendEnv:
    """What the probe runner lends a backend: the per-server rate limiter, the TLS context
    (lazily built, verifies against ``server.ca_file``) and the per-operation timeout."""

    limiter: Limiter
    ssl_context: Callable[[], ssl.SSLContext]
    op_timeout: Callable[[float], float]  # share of the probe deadline -> seconds


@runtime_checkable
class ServerBackend(Protocol):
    """One kind of SIP server, read-only. See the module docstring for the contract."""

    name: str

    def capabilities(self) -> Mapping[str, Capability]:
        """Question name (``QUESTIONS``) -> what this backend can answer with its configuration."""
        ...

    async def registrations(self, account: str) -> Registrations | CannotTell:
        """Live registrations of ``account`` (a username, never a number)."""
        ...

    async def registration_events(self, account: str, since: datetime) -> RegistrationEvents | CannotTell:
        """REGISTER outcomes and connection events of ``account`` at or after ``since``."""
        ...

    async def call_attempts(
        self, account: str, since: datetime, targets: Sequence[str] = ()
    ) -> CallAttempts | CannotTell:
        """Finished call attempts placed by ``account`` at or after ``since``; with ``targets``
        (usernames and numbers) only those whose dialled or reached party is one of them."""
        ...

    async def directory(self, account: str) -> DirectoryEntry | CannotTell:
        """The account ``account`` (a username) in the server's directory."""
        ...

    async def app_requirements(self) -> AppConfig | CannotTell:
        """What every app on this server must be configured with (transport, port, minimum
        version), server-wide; per-account values are in ``directory()``."""
        ...

    async def number_routes(self, number: str) -> NumberRoutes | CannotTell:
        """Which accounts ``number`` routes to (empty ``accounts``: assigned to nobody)."""
        ...

    async def numbers_of(self, account: str) -> tuple[str, ...] | CannotTell:
        """The virtual numbers that route to ``account``."""
        ...

    async def services(self, timeout: float) -> Sequence[ServicePart]:
        """The server's own services and resources this backend can see (its DB, console,
        monitoring, machine resources). SIP itself (OPTIONS, the test call) is checked by the
        checks with calltriage's SIP client. Never raises: an unreadable part is ``unknown``."""
        ...

    async def control_plane(self, timeout: float) -> ControlPlane | CannotTell:
        """Is the server's management interface reachable (``CannotTell``: none configured)."""
        ...

    def close(self) -> None:
        """Release connections and pools (idempotent)."""
        ...
