"""The server-port contract every backend must pass (docs/backends.md, "Adding a backend").

A backend joins by providing a ``World`` for its lab (a real server of that kind that the test
can act on) and adding it to ``WORLDS`` in ``conftest.py``; ``test_contract.py`` then runs every
test here against it. The tests assert only what the port promises, never a backend's internals:

* ``capabilities()`` names every question; a question it says "no" to answers ``CannotTell``;
* every answer is the typed evidence or ``CannotTell`` - never an exception, never a dict;
* times are aware UTC; events and attempts are oldest first and at or after ``since``;
* evidence follows what really happened on the server (a registration, a refused REGISTER,
  an answered call, a number assigned twice);
* an unreachable server is "cannot tell" or an unreachable control plane, never a raise.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from calltriage.backends.port import (
    QUESTIONS,
    BackendEnv,
    CallAttempts,
    CannotTell,
    Capability,
    ControlPlane,
    DirectoryEntry,
    NumberRoutes,
    RegistrationEvents,
    Registrations,
    ServerBackend,
    ServicePart,
)
from calltriage.backends.registry import create_backend
from calltriage.config import ServerSettings

T = TypeVar("T")


class World(Protocol):
    """A real server of one kind, provisioned with the contract cast: ``alice`` (number
    ``+15550001``), ``bob`` (``+15550002``), ``carol`` (``+15550003``, never registers), service
    accounts; ``nobody`` does not exist and ``+15559999`` is assigned to nobody."""

    name: str
    #: what this kind of server records at all (a stock Kamailio records no REGISTER outcomes)
    records_refused_registers: bool
    records_refused_calls: bool

    def settings(self) -> ServerSettings: ...
    def register(self, user: str, *, password: str | None = None) -> int: ...
    def answered_call(self, caller: str, callee: str, number: str) -> int: ...
    def failed_call(self, caller: str, target: str) -> int: ...
    def assign(self, number: str, user: str) -> None: ...
    def stop(self) -> None: ...


class _Limiter:
    async def acquire(self) -> None:
        return None


def backend_for(settings: ServerSettings) -> ServerBackend:
    import ssl

    def ctx() -> ssl.SSLContext:
        from calltriage.sip import tls_context

        return tls_context(str(settings.server.ca_file) if settings.server.ca_file else None)

    env = BackendEnv(limiter=_Limiter(), ssl_context=ctx, op_timeout=lambda share: max(0.5, 5.0 * share))
    return create_backend(settings, env)


def ask(backend: ServerBackend, question: Callable[[ServerBackend], Coroutine[Any, Any, T]]) -> T:
    async def go() -> T:
        return await question(backend)

    return asyncio.run(go())


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> bool:
    return moment is None or (moment.tzinfo is not None and moment.utcoffset() == timedelta(0))


@dataclass
class Contract:
    world: World

    def backend(self) -> ServerBackend:
        return backend_for(self.world.settings())

    # ----- declarations -----

    def test_capabilities_name_every_question(self) -> None:
        caps = self.backend().capabilities()
        assert set(caps) == set(QUESTIONS)
        assert all(isinstance(c, Capability) and c.level in ("yes", "partial", "no") for c in caps.values())
        assert all(c.note for c in caps.values() if c.level != "yes"), "a 'no' or 'partial' says why"

    def test_the_backend_is_the_one_configured(self) -> None:
        backend = self.backend()
        assert isinstance(backend, ServerBackend) and backend.name == self.world.name

    # ----- registrations -----

    def test_a_registered_account_has_typed_live_contacts(self) -> None:
        assert self.world.register("alice") == 200
        reg = ask(self.backend(), lambda b: b.registrations("alice"))
        assert isinstance(reg, Registrations) and reg.registered and reg.account == "alice"
        c = reg.contacts[0]
        assert c.transport in ("udp", "tcp", "tls") and c.user_agent
        assert _aware(c.last_modified) and c.last_modified is not None
        assert abs((now() - c.last_modified).total_seconds()) < 120

    def test_an_account_that_never_registered_is_not_registered(self) -> None:
        reg = ask(self.backend(), lambda b: b.registrations("carol"))
        assert isinstance(reg, Registrations) and not reg.registered and reg.contacts == ()

    def test_a_fresh_registration_is_an_event_after_since(self) -> None:
        since = now() - timedelta(seconds=1)
        assert self.world.register("bob") == 200
        events = ask(self.backend(), lambda b: b.registration_events("bob", since))
        assert isinstance(events, RegistrationEvents) and events.sources
        assert [e.time for e in events.events] == sorted(e.time for e in events.events)
        assert all(_aware(e.time) and e.time >= since.replace(microsecond=0) for e in events.events)
        assert any(e.kind == "registered" for e in events.events)

    def test_a_refused_register_is_an_event_where_the_server_records_it(self) -> None:
        since = now() - timedelta(seconds=1)
        assert self.world.register("carol", password="not-her-password") in (401, 403)
        events = ask(self.backend(), lambda b: b.registration_events("carol", since))
        assert isinstance(events, RegistrationEvents)
        refused = [e for e in events.events if e.kind == "refused"]
        if self.world.records_refused_registers:
            assert refused and refused[-1].code in (401, 403)
            assert events.sees_refusals is not False
        else:
            # the silence must not pass for "no REGISTER": the backend says a refusal would not show
            assert not refused and not any(e.kind == "registered" for e in events.events)
            assert events.sees_refusals is False

    # ----- calls -----

    def test_an_answered_call_is_an_attempt_with_its_code(self) -> None:
        since = now() - timedelta(seconds=1)
        assert self.world.answered_call("alice", "bob", "+15550002") == 200
        found = ask(self.backend(), lambda b: _eventually(lambda: b.call_attempts("alice", since)))
        assert isinstance(found, CallAttempts) and found.records
        answered = [a for a in found.attempts if a.answered]
        assert answered and answered[-1].failed_side is None and _aware(answered[-1].time)
        assert answered[-1].dialled == "+15550002"
        others = ask(self.backend(), lambda b: b.call_attempts("alice", since, ["+15550003", "carol"]))
        assert isinstance(others, CallAttempts) and not [a for a in others.attempts if a.answered]

    def test_a_failed_call_says_which_side_failed_where_the_server_records_it(self) -> None:
        since = now() - timedelta(seconds=1)
        code = self.world.failed_call("alice", "+15550003")  # carol is not registered
        assert code >= 400
        found = ask(self.backend(), lambda b: _eventually(lambda: b.call_attempts("alice", since)))
        assert isinstance(found, CallAttempts)
        failed = [a for a in found.attempts if not a.answered]
        if self.world.records_refused_calls:
            assert failed and failed[-1].code == code and failed[-1].failed_side == "callee"
        else:
            assert not failed

    # ----- directory and numbers -----

    def test_the_directory_knows_an_account_and_its_numbers(self) -> None:
        entry = ask(self.backend(), lambda b: b.directory("alice"))
        assert isinstance(entry, DirectoryEntry) and entry.exists and "+15550001" in entry.numbers
        assert entry.disabled in (None, False)
        unknown = ask(self.backend(), lambda b: b.directory("nobody"))
        assert isinstance(unknown, DirectoryEntry) and not unknown.exists

    def test_a_number_routes_to_its_account_and_an_unassigned_one_nowhere(self) -> None:
        routes = ask(self.backend(), lambda b: b.number_routes("+15550002"))
        assert isinstance(routes, NumberRoutes) and routes.routes_to == "bob"
        nowhere = ask(self.backend(), lambda b: b.number_routes("+15559999"))
        assert isinstance(nowhere, NumberRoutes) and nowhere.accounts == ()

    def test_a_number_assigned_twice_lists_both_accounts_in_routing_order(self) -> None:
        self.world.assign("+15550003", "bob")  # carol's number, bob's assignment comes second
        routes = ask(self.backend(), lambda b: b.number_routes("+15550003"))
        assert isinstance(routes, NumberRoutes) and routes.accounts[:2] == ("carol", "bob")

    # ----- services and control plane -----

    def test_services_are_typed_parts_and_the_control_plane_answers(self) -> None:
        backend = self.backend()
        parts = ask(backend, lambda b: b.services(3.0))
        assert parts and all(isinstance(p, ServicePart) for p in parts)
        assert all(p.status in ("ok", "warn", "fail", "skipped", "unknown") for p in parts)
        assert not [p for p in parts if p.status == "fail"], [p.to_dict() for p in parts]
        control = ask(backend, lambda b: b.control_plane(3.0))
        assert isinstance(control, ControlPlane | CannotTell)
        if isinstance(control, ControlPlane):
            assert control.reachable

    # ----- a server that is gone -----

    def test_a_stopped_server_is_cannot_tell_never_a_raise(self) -> None:
        self.world.stop()
        backend = self.backend()
        answers = [
            ask(backend, lambda b: b.registrations("alice")),
            ask(backend, lambda b: b.registration_events("alice", now())),
            ask(backend, lambda b: b.call_attempts("alice", now())),
            ask(backend, lambda b: b.directory("alice")),
            ask(backend, lambda b: b.number_routes("+15550001")),
        ]
        for answer in answers:
            assert not isinstance(answer, dict)
            if isinstance(answer, CannotTell):
                assert answer.reason and "Traceback" not in answer.reason
        control = ask(backend, lambda b: b.control_plane(1.0))
        assert isinstance(control, CannotTell) or not control.reachable
        parts = ask(backend, lambda b: b.services(1.0))
        assert all(isinstance(p, ServicePart) for p in parts)

    def test_a_question_the_backend_cannot_answer_is_cannot_tell(self) -> None:
        backend = self.backend()
        caps = backend.capabilities()
        calls: dict[str, Callable[[ServerBackend], Coroutine[Any, Any, Any]]] = {
            "registrations": lambda b: b.registrations("alice"),
            "registration_events": lambda b: b.registration_events("alice", now()),
            "call_attempts": lambda b: b.call_attempts("alice", now()),
            "directory": lambda b: b.directory("alice"),
            "number_routes": lambda b: b.number_routes("+15550001"),
            "control_plane": lambda b: b.control_plane(1.0),
        }
        for question, call in calls.items():
            if caps[question].level == "no":
                assert isinstance(ask(backend, call), CannotTell), question


async def _eventually(question: Callable[[], Coroutine[Any, Any, Any]], deadline: float = 5.0) -> Any:
    """Call records are written just after the final answer: ask until an attempt shows up."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        answer = await question()
        if isinstance(answer, CannotTell) or answer.attempts or loop.time() > end:
            return answer
        await asyncio.sleep(0.1)


CONTRACT_TESTS = sorted(name for name in vars(Contract) if name.startswith("test_"))
