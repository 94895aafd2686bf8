"""Password policy and bounded password hashing.

Policy: at least ``MIN_PASSWORD`` characters and a zxcvbn strength score of at least
``MIN_SCORE`` (0-4; zxcvbn estimates guesses from dictionaries, common passwords, names,
keyboard patterns and dates, with the operator's name as a hint): ``password`` or
``Summer2024`` are refused, a passphrase of unrelated words is accepted.

Hashing: argon2 with its default parameters holds 64 MiB per hash. ``HashGate`` lets at most
``slots`` hashes run at once in the process, so a flood of logins queues instead of taking
N × 64 MiB; a login that cannot get a slot within ``wait`` seconds gets HTTP 429.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from zxcvbn import zxcvbn

from calltriage.errors import InvalidAnswer, TooManyRequests

MIN_PASSWORD = 8
MAX_PASSWORD = 1000
MIN_SCORE = 2
_T = TypeVar("_T")


def check_password(password: str, *, hints: tuple[str, ...] = ()) -> None:
    """Raise ``InvalidAnswer`` naming the problem and the fix when ``password`` is too weak."""
    if len(password) < MIN_PASSWORD:
        raise InvalidAnswer(f"password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise InvalidAnswer(f"password is too long: use at most {MAX_PASSWORD} characters")
    # zxcvbn's cost grows with the length; 100 characters are far past any guessable password.
    result = zxcvbn(password[:100], user_inputs=[h for h in hints if h] + ["calltriage"])
    if result["score"] < MIN_SCORE:
        warning = str(result["feedback"].get("warning") or "it is easy to guess").rstrip(".")
        raise InvalidAnswer(f"password is too weak ({warning[0].lower() + warning[1:]}): use a passphrase "
                            "of three or four unrelated words")


class HashGate:
    def __init__(self, slots: int = 2, wait: float = 10.0) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.wait = wait

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait):
            raise TooManyRequests("the server is busy checking other logins: try again in a few seconds",
                                  retry_after=5)
        try:
            yield
        finally:
            self._slots.release()

    def run(self, work: Callable[[], _T]) -> _T:
        with self.slot():
            return work()
