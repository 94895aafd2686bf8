"""Registrations derived from the SIP Sessions log (pure logic over V_SIP_SESSION rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from calltriage.backends.privateserver.sessions import current
from calltriage.config import PrivateServerSettings

T0 = datetime(2026, 11, 30, 12, 4, 45, tzinfo=UTC)


def row(event: str, seconds: float, addr: str | None, details: str = "") -> dict[str, Any]:
    return {"event": event, "time": (T0 + timedelta(seconds=seconds)).replace(tzinfo=None), "remoteaddr": addr,
            "details": details, "useragent": "PrivateGSM/3.1.0 (Android)", "tlscipher": "TLS_AES_256_GCM_SHA384"}


def contacts(rows: list[dict[str, Any]], now_s: float) -> list[str | None]:
    reg = current("alice", rows, PrivateServerSettings(), UTC, T0 + timedelta(seconds=now_s))
    return [c.source for c in reg.contacts]


def test_an_old_connections_expiry_does_not_end_the_fresh_registration_from_another_address() -> None:
    log = [
        row("REGISTER", 0, "127.0.0.1:59489", "expires=300"),       # the old connection
        row("DISCONNECT", 200, "127.0.0.1:59489", "CLOSED"),         # the app restarted...
        row("CONNECT", 290, "127.0.0.1:37431", "tls"),
        row("REGISTER", 290, "127.0.0.1:37431", "expires=300"),     # ...and registered again
        row("UNREGISTER", 301, None, "EXPIRED"),                     # the old registration expires
    ]
    assert contacts(log, 305) == ["127.0.0.1:37431"]


def test_an_unregister_without_address_that_matches_no_expiry_ends_every_registration() -> None:
    log = [
        row("REGISTER", 0, "127.0.0.1:50001", "expires=300"),
        row("REGISTER", 10, "127.0.0.1:50002", "expires=300"),
        row("UNREGISTER", 20, None, "EXPIRED"),  # removed server-side long before either expiry
    ]
    assert contacts(log, 25) == []


def test_a_registration_that_states_no_expiry_is_ended_by_an_expiry_without_address() -> None:
    log = [row("REGISTER", 0, "127.0.0.1:50001"), row("UNREGISTER", 5, None, "EXPIRED")]
    assert contacts(log, 6) == []
