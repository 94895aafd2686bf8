"""Login rate limits: per operator name and per client address, with lockouts that are audited.

A failed login counts against the name tried and the address it came from, in a sliding
window. An operator name with ``per_account`` failures in the window is locked for
``lockout`` seconds (even the right password is refused then, so guessing cannot go on);
an address with ``per_address`` failures is refused for a window. A refusal is a
``TooManyRequests`` (HTTP 429) with ``Retry-After``; each lockout is written once to the
``calltriage.audit`` log and listed by ``recent()`` for the admin page.

Failures and lockouts live in the database (tables ``login_failures`` and ``login_lockouts``),
so every `serve` process behind a reverse proxy counts the same attempts: N processes do not give
an attacker N times the tries. Failures older than the window, and lockouts that ended a week
ago, are deleted as new failures come (at most once a minute per process). Counting reads only
the window, so rows not yet pruned never count.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from calltriage.errors import StoreError, TooManyRequests
from calltriage.store import Store
from calltriage.store.auth_models import LoginFailure, LoginLockout

audit = logging.getLogger("calltriage.audit")
log = logging.getLogger(__name__)
PRUNE_EVERY = 60.0  # seconds between two prunes of old rows, per process
KEEP_DAYS = 7  # ended lockouts stay listed on the admin page this long


@dataclass(frozen=True)
class Lockout:
    kind: str  # "operator" or "address"
    who: str
    until: float  # clock seconds
    failures: int


class LoginThrottle:
    def __init__(self, store: Store, *, per_account: int = 5, per_address: int = 20, window: float = 900.0,
                 lockout: float = 900.0, clock: Callable[[], float] = time.time,
                 prune_every: float = PRUNE_EVERY) -> None:
        self.store = store
        self.per_account, self.per_address = per_account, per_address
        self.window, self.lockout, self.clock = window, lockout, clock
        self._prune_lock = threading.Lock()
        self._prune_every = prune_every
        self._next_prune = 0.0

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def check(self, name: str, address: str) -> None:
        """Raise ``TooManyRequests`` if this name or this address may not try now."""
        now = self._now()
        keys = (("operator", _norm(name)), ("address", _addr(address)))
        with self.store.read() as session:
            rows = session.execute(select(LoginLockout.kind, LoginLockout.who, LoginLockout.until).where(
                LoginLockout.kind.in_([k for k, _ in keys]), LoginLockout.who.in_([w for _, w in keys]))).all()
        until = {(r.kind, r.who): _utc(r.until) for r in rows}
        for key in keys:
            end = until.get(key)
            if end is not None and end > now:
                wait = (end - now).total_seconds()
                what = f"operator {key[1]!r}" if key[0] == "operator" else "this address"
                raise TooManyRequests(f"too many failed logins for {what}: try again in "
                                      f"{_minutes(wait)} or ask an admin to reset the password",
                                      retry_after=math.ceil(wait))

    def failed(self, name: str, address: str) -> None:
        now = self._now()
        start = now - timedelta(seconds=self.window)
        locked: list[Lockout] = []
        for kind, who, limit in (("operator", _norm(name), self.per_account),
                                 ("address", _addr(address), self.per_address)):
            with self.store.write() as session:
                session.execute(delete(LoginLockout).where(LoginLockout.kind == kind, LoginLockout.who == who,
                                                           LoginLockout.until <= now))
                session.add(LoginFailure(kind=kind, who=who, at=now))
                session.flush()
                count = session.execute(select(func.count()).select_from(LoginFailure).where(
                    LoginFailure.kind == kind, LoginFailure.who == who, LoginFailure.at > start)).scalar_one()
                if count < limit or session.get(LoginLockout, (kind, who)) is not None:
                    continue
                until = now + timedelta(seconds=self.lockout if kind == "operator" else self.window)
                try:
                    with session.begin_nested():
                        session.add(LoginLockout(kind=kind, who=who, until=until, failures=count, at=now))
                except IntegrityError:
                    continue  # another process locked it at the same moment, and audited it
                locked.append(Lockout(kind, who, until.timestamp(), count))
        self._prune(now, start)
        for entry in locked:
            audit.warning("login lockout: %s %s after %d failed logins in %d s, until %s",
                          entry.kind, entry.who, entry.failures, int(self.window),
                          time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.until)))

    def _prune(self, now: datetime, start: datetime) -> None:
        """Delete failures that left the window and lockouts that ended a week ago: at most once a
        minute per process, in a transaction of its own (concurrent prunes of many rows could
        deadlock each other on PostgreSQL; a failed prune is retried a minute later, never a
        failed login)."""
        tick = time.monotonic()
        with self._prune_lock:
            if tick < self._next_prune:
                return
            self._next_prune = tick + self._prune_every
        try:
            with self.store.write() as session:
                session.execute(delete(LoginFailure).where(LoginFailure.at <= start))
                session.execute(delete(LoginLockout).where(LoginLockout.until <= now - timedelta(days=KEEP_DAYS)))
        except StoreError as exc:
            log.warning("login throttle: pruning old rows failed (%s); will retry", exc)

    def succeeded(self, name: str) -> None:
        with self.store.write() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.kind == "operator",
                                                       LoginFailure.who == _norm(name)))

    def recent(self, limit: int = 50) -> list[Lockout]:
        """The newest lockouts, still running or not (for the admin page), newest first."""
        with self.store.read() as session:
            rows = session.execute(select(LoginLockout).order_by(LoginLockout.at.desc()).limit(limit)).scalars()
            return [Lockout(r.kind, r.who, _utc(r.until).timestamp(), r.failures) for r in rows]


def _norm(name: str) -> str:
    return name.strip().lower()[:120]


def _addr(address: str) -> str:
    return address[:120]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def _minutes(seconds: float) -> str:
    return f"{math.ceil(seconds / 60)} min" if seconds >= 60 else f"{math.ceil(seconds)} s"
