"""Shared bits of the client-log tests: the checked-in logs and the secrets they contain."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).parent / "data"

# Passwords used when the checked-in logs were produced (tests/clientlog/pjsip_agent.py against a
# private Kamailio, SIPp for the sip-trace ones): test passwords, never real ones.
FIXTURE_PASSWORDS = ("Alice-S3cret!", "Bob-S3cret!", "Carol-S3cret!", "Wr0ng-Guess!")

_DIGEST_RESPONSE = re.compile(r'response="?([0-9a-f]{32})"?')


def read(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8")


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def digest_responses(text: str) -> set[str]:
    """The digest response hashes in a raw log (derived from the password: secrets too)."""
    return set(_DIGEST_RESPONSE.findall(text))


def leaked(stored: str, secrets: set[str] | tuple[str, ...]) -> list[str]:
    return [s for s in secrets if s and s in stored]
