"""Operators, roles and API tokens; the operator's queues.

Roles are L1, L2, L3 and admin. An operator answers steps of their own level only (admin:
any), which ``IncidentService`` enforces through ``Actor.level``. Passwords are stored as
argon2 hashes, API tokens as sha256 hashes (a token is random, so a fast hash is enough and
keeps the per-request check cheap); neither is ever logged or put in an error message.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from calltriage.errors import InvalidAnswer, NotFound, Unauthorized
from calltriage.services.incidents import Actor
from calltriage.services.passwords import HashGate, check_password
from calltriage.services.queues import COUNT_CAP, QUEUES, capped_count, queue_filter
from calltriage.services.views import iso
from calltriage.store import Store
from calltriage.store.auth_models import ApiToken, Operator

ROLES: dict[str, int | None] = {"L1": 1, "L2": 2, "L3": 3, "admin": None}
TOKEN_PREFIX = "ct_"
OPERATOR_TTL = 2.0  # seconds another process may still accept a just-disabled operator's session or token
SIZES_TTL = 5.0  # seconds a queue badge may lag behind
__all__ = ["COUNT_CAP", "QUEUES", "OperatorInfo", "OperatorService", "actor_for"]
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    id: int
    name: str
    role: str
    disabled: bool
    session_epoch: int
    created_at: str | None = None
    last_login_at: str | None = None

    @property
    def level(self) -> int | None:
        return ROLES[self.role]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.level)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "level": self.level, "disabled": self.disabled,
                "created_at": self.created_at, "last_login_at": self.last_login_at}


def _info(row: Operator) -> OperatorInfo:
    return OperatorInfo(row.id, row.name, row.role, row.disabled, row.session_epoch, iso(row.created_at),
                        iso(row.last_login_at))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_role(role: str) -> str:
    for known in ROLES:
        if role.lower() == known.lower():
            return known
    raise InvalidAnswer(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


class OperatorService:
    def __init__(self, store: Store, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 hasher: PasswordHasher | None = None, gate: HashGate | None = None) -> None:
        self.store = store
        self.gate = gate or HashGate()
        self.clock = clock
        # argon2's defaults (RFC 9106 "second recommended", ~0.2 s here); tests pass cheaper parameters.
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None
        self._token_touched: dict[int, float] = {}
        self._sizes: dict[tuple[str, int | None], tuple[float, dict[str, int]]] = {}
        self._by_id: dict[int, tuple[float, OperatorInfo | None]] = {}
        self._by_token: dict[str, tuple[float, int, OperatorInfo]] = {}
        self._lock = threading.Lock()

    # -- accounts ----------------------------------------------------------------------------
    def add(self, name: str, role: str, password: str) -> OperatorInfo:
        name = name.strip().lower()
        if not _NAME.match(name):
            raise InvalidAnswer(f"operator name {name!r} is not valid: use 1-64 lower-case letters, digits, "
                                "'.', '_' or '-'")
        role = check_role(role)
        check_password(password, hints=(name,))
        try:
            with self.store.write() as session:
                row = Operator(name=name, role=role, password_hash=self.gate.run(lambda: self.hasher.hash(password)),
                               disabled=False,
                               session_epoch=0, created_at=self.clock())
                session.add(row)
                session.flush()
                return _info(row)
        except IntegrityError:
            raise InvalidAnswer(f"operator {name!r} exists already: pick another name or "
                                "`calltriage user list`") from None

    def all(self) -> list[OperatorInfo]:
        with self.store.read() as session:
            return [_info(r) for r in session.scalars(select(Operator).order_by(Operator.name))]

    def any_exist(self) -> bool:
        with self.store.read() as session:
            return session.scalar(select(Operator.id).limit(1)) is not None

    def get(self, name: str) -> OperatorInfo:
        with self.store.read() as session:
            return _info(self._row(session, name))

    def by_id(self, operator_id: int) -> OperatorInfo | None:
        """The operator behind a desk session, cached for a moment (read on every page view).

        Changes made here clear the cache at once; another `serve` process sees a disabled
        operator within ``OPERATOR_TTL`` seconds.
        """
        now = time.monotonic()
        with self._lock:
            cached = self._by_id.get(operator_id)
        if cached is not None and now - cached[0] < OPERATOR_TTL:
            return cached[1]
        with self.store.read() as session:
            row = session.get(Operator, operator_id)
            info = _info(row) if row is not None else None
        with self._lock:
            if len(self._by_id) > 10_000:
                self._by_id.clear()
            self._by_id[operator_id] = (now, info)
        return info

    def cached(self, operator_id: int) -> tuple[bool, OperatorInfo | None]:
        """``by_id`` from the cache only, without I/O: (False, None) when the database must be asked."""
        with self._lock:
            cached = self._by_id.get(operator_id)
        if cached is not None and time.monotonic() - cached[0] < OPERATOR_TTL:
            return True, cached[1]
        return False, None

    def set_disabled(self, name: str, disabled: bool = True) -> OperatorInfo:
        with self.store.write() as session:
            row = self._row(session, name)
            row.disabled = disabled
            row.session_epoch += 1  # logs out every browser of this operator
            if disabled:
                for token in session.scalars(select(ApiToken).where(ApiToken.operator_id == row.id)):
                    token.revoked = True
            info = _info(row)
        self._forget()
        return info

    def end_sessions(self, operator_id: int) -> None:
        """Log the operator out everywhere: every signed session cookie of theirs stops working."""
        with self.store.write() as session:
            row = session.get(Operator, operator_id)
            if row is not None:
                row.session_epoch += 1
        self._forget()

    def set_password(self, name: str, password: str) -> OperatorInfo:
        check_password(password, hints=(name,))
        hashed = self.gate.run(lambda: self.hasher.hash(password))
        with self.store.write() as session:
            row = self._row(session, name)
            row.password_hash = hashed
            row.session_epoch += 1
            info = _info(row)
        self._forget()
        return info

    def authenticate(self, name: str, password: str) -> OperatorInfo:
        wrong = Unauthorized("wrong operator name or password: try again or ask an admin to reset it")
        with self.store.read() as session:
            row = session.scalars(select(Operator).where(Operator.name == name.strip().lower())).first()
        with self.gate.slot():  # at most a few argon2 hashes (64 MiB each) at once
            if self._dummy_hash is None:
                # Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
                self._dummy_hash = self.hasher.hash("calltriage-dummy-password")
            try:
                self.hasher.verify(row.password_hash if row is not None else self._dummy_hash, password)
            except (VerificationError, InvalidHashError):
                raise wrong from None
        if row is None:
            raise wrong
        if row.disabled:
            raise Unauthorized(f"operator {row.name} is disabled: ask an admin to enable the account")
        with self.store.write() as session:
            fresh = self._row(session, row.name)
            fresh.last_login_at = self.clock()
            return _info(fresh)

    # -- API tokens --------------------------------------------------------------------------
    def issue_token(self, name: str, label: str = "", *, days: float | None = None) -> tuple[str, OperatorInfo]:
        """A new random token; only its hash is stored, so this is the only time it is seen.
        ``days``: it stops working that many days from now (None: until revoked)."""
        if days is not None and not 0 < days <= 3650:
            raise InvalidAnswer(f"token lifetime {days:g} days is not valid: use 1 to 3650 days, or none")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = self.clock() + timedelta(days=days) if days is not None else None
        with self.store.write() as session:
            row = self._row(session, name)
            if row.disabled:
                raise InvalidAnswer(f"operator {row.name} is disabled: enable it before issuing a token")
            session.add(ApiToken(operator_id=row.id, token_hash=hash_token(token), prefix=token[:8],
                                 label=label.strip()[:120], created_at=self.clock(), revoked=False,
                                 expires_at=expires))
            return token, _info(row)

    def revoke_tokens(self, name: str) -> int:
        with self.store.write() as session:
            row = self._row(session, name)
            tokens = list(session.scalars(select(ApiToken).where(ApiToken.operator_id == row.id,
                                                                   ApiToken.revoked.is_(False))))
            for token in tokens:
                token.revoked = True
        self._forget()
        return len(tokens)

    def verify_token(self, token: str) -> OperatorInfo:
        bad = Unauthorized("invalid or revoked API token: create one with `calltriage user token NAME`")
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise bad
        digest = hash_token(token)
        now = time.monotonic()
        with self._lock:
            cached = self._by_token.get(digest)
        if cached is not None and now - cached[0] < OPERATOR_TTL:
            # Checked against the database at most every OPERATOR_TTL seconds: revoking or disabling
            # here clears this at once; another `serve` process notices within that time.
            self._touch(cached[1])
            return cached[2]
        with self.store.read() as session:
            found = session.execute(
                select(ApiToken.id, ApiToken.revoked, Operator, ApiToken.expires_at)
                .join(Operator, Operator.id == ApiToken.operator_id)
                .where(ApiToken.token_hash == digest)).first()
        if found is None or found[1] or found[2].disabled:
            raise bad
        if found[3] is not None and _aware(found[3]) <= self.clock():
            raise Unauthorized("this API token has expired: create a new one with `calltriage user token NAME`")
        info = _info(found[2])
        with self._lock:
            if len(self._by_token) > 10_000:
                self._by_token.clear()
            self._by_token[digest] = (now, found[0], info)
        self._touch(found[0])
        return info

    def cached_token(self, token: str) -> OperatorInfo | None:
        """``verify_token`` from the cache only, without I/O: None when the database must be asked
        (unknown or stale token, or its last-use time is due to be written)."""
        now = time.monotonic()
        with self._lock:
            cached = self._by_token.get(hash_token(token))
            if cached is None or now - cached[0] >= OPERATOR_TTL:
                return None
            if now - self._token_touched.get(cached[1], -1e9) >= 60:
                return None
            return cached[2]

    def _touch(self, token_id: int) -> None:
        # Record use at most once a minute: a write per API request would serialize SQLite.
        now = time.monotonic()
        with self._lock:
            if now - self._token_touched.get(token_id, -1e9) < 60:
                return
            self._token_touched[token_id] = now
        with self.store.write() as session:
            row = session.get(ApiToken, token_id)
            if row is not None:
                row.last_used_at = self.clock()

    def tokens(self, name: str) -> list[dict[str, Any]]:
        with self.store.read() as session:
            row = self._row(session, name)
            return [{"prefix": t.prefix, "label": t.label, "created_at": iso(t.created_at),
                     "expires_at": iso(t.expires_at),
                     "last_used_at": iso(t.last_used_at), "revoked": t.revoked}
                    for t in session.scalars(select(ApiToken).where(ApiToken.operator_id == row.id))]

    def _forget(self) -> None:
        with self._lock:
            self._by_id.clear()
            self._by_token.clear()

    def _row(self, session: Any, name: str) -> Operator:
        row = session.scalars(select(Operator).where(Operator.name == name.strip().lower())).first()
        if row is None:
            raise NotFound(f"no operator {name!r}: list them with `calltriage user list`")
        return row  # type: ignore[no-any-return]

    # -- queues ------------------------------------------------------------------------------
    def queue_sizes(self, operator: OperatorInfo, *, level: int | None = None) -> dict[str, int]:
        """Badge counts of every queue, cached a few seconds: the desk redraws them on every page."""
        key = (operator.name, operator.level or level)
        now = time.monotonic()
        with self._lock:
            cached = self._sizes.get(key)
        if cached is not None and now - cached[0] < SIZES_TTL:
            return cached[1]
        with self.store.read() as session:
            sizes = {q: capped_count(session, queue_filter(q, operator.name, operator.level or level))
                     for q in QUEUES}
        with self._lock:
            if len(self._sizes) > 1000:
                self._sizes.clear()
            self._sizes[key] = (now, sizes)
        return sizes


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes (stored in UTC)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def actor_for(store: Store, name: str) -> Actor:
    """The CLI's acting operator: a registered operator, or anyone on a fresh single-user install."""
    service = OperatorService(store)
    try:
        info = service.get(name)
    except NotFound:
        if not service.any_exist():
            return Actor(name, None)
        raise Unauthorized(f"{name!r} is not an operator here: pass --as NAME of a registered operator "
                           "(see `calltriage user list`) or ask an admin to `calltriage user add`") from None
    if info.disabled:
        raise Unauthorized(f"operator {info.name} is disabled: ask an admin to enable the account")
    return info.actor
