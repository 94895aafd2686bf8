"""Desk sessions that ended before their cookie expired (logout of one browser).

A desk session is a signed cookie (web/security.py) carrying the operator's id, their session
epoch and a random session id. Logout records that id here: the cookie stops working on every
`serve` process (within ``OPERATOR_TTL`` seconds on the others, at once on this one), while the
operator's other browsers stay logged in. Logging out everywhere is the epoch's job (a password
change, disabling the operator). Rows are deleted once the cookie would have expired anyway.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from calltriage.services.operators import OPERATOR_TTL
from calltriage.store import Store
from calltriage.store.auth_models import EndedSession

_CACHE_MAX = 10_000


class EndedSessions:
    def __init__(self, store: Store, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.clock = clock
        self._ended: set[str] = set()  # ended here or seen ended: never live again
        self._live: dict[str, float] = {}  # sid -> when the database last said "not ended"
        self._lock = threading.Lock()

    def end(self, sid: str, operator_id: int, cookie_seconds: int) -> None:
        now = self.clock()
        with self.store.write() as session:
            session.execute(delete(EndedSession).where(EndedSession.expires_at <= now))
            if session.get(EndedSession, sid) is None:
                try:
                    with session.begin_nested():
                        session.add(EndedSession(sid=sid, operator_id=operator_id, ended_at=now,
                                                 expires_at=now + timedelta(seconds=cookie_seconds)))
                except IntegrityError:
                    pass  # logged out twice at once: ended either way
        with self._lock:
            self._remember_ended(sid)

    def cached(self, sid: str) -> tuple[bool, bool]:
        """``(known, ended)`` without I/O; ``known`` False: ask ``ended()``."""
        with self._lock:
            if sid in self._ended:
                return True, True
            seen = self._live.get(sid)
        if seen is not None and time.monotonic() - seen < OPERATOR_TTL:
            return True, False
        return False, False

    def ended(self, sid: str) -> bool:
        with self.store.read() as session:
            found = session.scalar(select(EndedSession.sid).where(EndedSession.sid == sid)) is not None
        with self._lock:
            if found:
                self._remember_ended(sid)
            else:
                if len(self._live) > _CACHE_MAX:
                    self._live.clear()
                self._live[sid] = time.monotonic()
        return found

    def _remember_ended(self, sid: str) -> None:
        if len(self._ended) > _CACHE_MAX:
            self._ended.clear()  # the database still knows them
        self._ended.add(sid)
        self._live.pop(sid, None)
