"""Login rate limits: per operator name and per client address, with lockouts that are audited.

A failed login counts against the name tried and the address it came from, in a sliding
window. An operator name with ``per_account`` failures in the window is locked for
``lockout`` seconds (even the right password is refused then, so guessing cannot go on);
an address with ``per_address`` failures is refused until its oldest failure leaves the
window. A refusal is a ``TooManyRequests`` (HTTP 429) with ``Retry-After``; each lockout is
written once to the ``calltriage.audit`` log and kept in ``recent`` for the admin page.

State is per process (with ``serve --workers N`` an address gets N times the attempts): the
point is to turn hours of guessing into years, not to count exactly.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from calltriage.errors import TooManyRequests

audit = logging.getLogger("calltriage.audit")


@dataclass(frozen=True)
class Lockout:
    kind: str  # "operator" or "address"
    who: str
    until: float  # clock seconds
    failures: int


class LoginThrottle:
    def __init__(self, *, per_account: int = 5, per_address: int = 20, window: float = 900.0,
                 lockout: float = 900.0, clock: Callable[[], float] = time.time) -> None:
        self.per_account, self.per_address = per_account, per_address
        self.window, self.lockout, self.clock = window, lockout, clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._locked: dict[tuple[str, str], float] = {}
        self.recent: deque[Lockout] = deque(maxlen=50)
        self._lock = threading.Lock()

    def check(self, name: str, address: str) -> None:
        """Raise ``TooManyRequests`` if this name or this address may not try now."""
        now = self.clock()
        with self._lock:
            for key in (("operator", _norm(name)), ("address", address)):
                wait = self._wait(key, now)
                if wait > 0:
                    what = f"operator {key[1]!r}" if key[0] == "operator" else "this address"
                    raise TooManyRequests(f"too many failed logins for {what}: try again in "
                                          f"{_minutes(wait)} or ask an admin to reset the password",
                                          retry_after=math.ceil(wait))

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key, limit in ((("operator", _norm(name)), self.per_account), (("address", address), self.per_address)):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while times and times[0] <= now - self.window:
                    times.popleft()
                if len(times) >= limit and key not in self._locked:
                    until = now + (self.lockout if key[0] == "operator" else self.window)
                    self._locked[key] = until
                    entry = Lockout(key[0], key[1], until, len(times))
                    self.recent.appendleft(entry)
                    audit.warning("login lockout: %s %s after %d failed logins in %d s, until %s",
                                  key[0], key[1], len(times), int(self.window),
                                  time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(until)))
            if len(self._failures) > 100_000:  # a flood of made-up names: forget the oldest half
                for key in list(self._failures)[:50_000]:
                    self._failures.pop(key, None)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(("operator", _norm(name)), None)

    def _wait(self, key: tuple[str, str], now: float) -> float:
        until = self._locked.get(key)
        if until is None:
            return 0.0
        if until <= now:
            del self._locked[key]
            self._failures.pop(key, None)
            return 0.0
        return until - now


def _norm(name: str) -> str:
    return name.strip().lower()[:120]


def _minutes(seconds: float) -> str:
    return f"{math.ceil(seconds / 60)} min" if seconds >= 60 else f"{math.ceil(seconds)} s"
