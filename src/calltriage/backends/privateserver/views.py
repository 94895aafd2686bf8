"""The appliance's read-only views and how their rows become the port's evidence.

Column mapping: every view is read through logical column names (``time``, ``event`` ...) mapped
to the appliance's physical columns. The defaults are the documented names (and, for what the
public documentation does not show, the lab's); ``[server.privateserver] columns`` overrides any
of them (``"cdr.hangupcause" = "cause"``), an empty string marks a column this appliance lacks.
View names come from ``views``, event type names from ``session_events`` / ``auth_failures``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from calltriage.backends.port import CallAttempt, EventKind, FailedSide, RefusalCause, RegistrationEvent
from calltriage.config import PrivateServerSettings

VIEWS = {"sip_session": "V_SIP_SESSION", "cdr": "V_CDR", "auth_event": "V_AUTH_EVENT", "audit_event": "V_AUDIT_EVENT"}
#: logical -> physical column, per view; "" = the appliance does not have it
COLUMNS: dict[str, dict[str, str]] = {
    "sip_session": {"id": "id", "time": "date_created", "event": "event_type", "username": "username",
                    "useragent": "useragent", "remoteaddr": "remoteaddr", "tlscipher": "tlscipher",
                    "details": "details"},
    "cdr": {"id": "id", "time": "calldate", "src": "src", "src_user_agent": "src_user_agent", "dst": "dst",
            "channel": "channel", "dstchannel": "dstchannel", "disposition": "disposition",
            "duration": "duration", "hangupcause": "hangupcause", "uniqueid": "uniqueid"},
    "auth_event": {"id": "id", "time": "date_created", "event": "event_type", "ip": "ip_address",
                   "principal": "principal", "details": "details"},
    "audit_event": {"id": "id", "time": "date_created", "event": "event_type", "actor": "actor",
                    "class_name": "class_name", "object_id": "object_id", "details": "details"},
}
SESSION_EVENTS: dict[str, EventKind] = {"CONNECT": "connected", "REGISTER": "registered",
                                        "UNREGISTER": "unregistered", "DISCONNECT": "disconnected"}
AUTH_FAILURES: dict[str, RefusalCause] = {
    "SIP_BAD_CREDENTIALS": "bad-password", "SIP_UNKNOWN_ACCOUNT": "unknown-user",
    "SIP_ACCOUNT_DISABLED": "disabled", "SIP_AUTH_SERVICE_ERROR": "server-error", "SIP_AUTH_FAILURE": "other",
    "SIP_TLS_REQUIRED": "tls-required",
}
#: disposition -> the SIP code it stands for when the view has no hangup code
DISPOSITION_CODES = {"ANSWERED": 200, "BUSY": 486, "NO_ANSWER": 480, "NO ANSWER": 480}
_CHANNEL = re.compile(r"^[A-Za-z]+/(?P<account>[^-/@;]+)")
_METHOD_CODE = re.compile(r"^(?P<method>[A-Z]+)\s+(?P<code>\d{3})\b\s*(?P<reason>.*)$")
_EXPIRES = re.compile(r"\bexpires=(\d+)")


@dataclass(frozen=True)
class View:
    name: str
    columns: Mapping[str, str]

    def has(self, logical: str) -> bool:
        return bool(self.columns.get(logical))

    def col(self, logical: str) -> str:
        return self.columns[logical]

    def select(self) -> str:
        """``SELECT phys AS logical, ...`` for the columns this appliance has."""
        cols = ", ".join(f"{phys} AS {logical}" for logical, phys in self.columns.items() if phys)
        return f"SELECT {cols} FROM {self.name}"


def views(cfg: PrivateServerSettings) -> dict[str, View]:
    out: dict[str, View] = {}
    for key, default in VIEWS.items():
        cols = dict(COLUMNS[key])
        for name, phys in cfg.columns.items():
            view, _, logical = name.partition(".")
            if view == key and logical in cols:
                cols[logical] = phys
        out[key] = View(cfg.views.get(key, default), cols)
    return out


def unknown_column_keys(cfg: PrivateServerSettings) -> list[str]:
    return [k for k in cfg.columns if k.partition(".")[0] not in COLUMNS or k.partition(".")[2] not in
            COLUMNS[k.partition(".")[0]]]


def to_utc(value: Any, tz: tzinfo) -> datetime:
    """A view's DATETIME (appliance local time, naive) as aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise ValueError(f"not a datetime: {value!r}")
    return value.replace(tzinfo=tz).astimezone(UTC) if value.tzinfo is None else value.astimezone(UTC)


def expires_of(details: str | None) -> int | None:
    match = _EXPIRES.search(details or "")
    return int(match.group(1)) if match else None


def session_event(row: Mapping[str, Any], kind: EventKind, tz: tzinfo) -> RegistrationEvent:
    moment = to_utc(row["time"], tz)
    details = row.get("details")
    return RegistrationEvent(
        time=moment, kind=kind, source="sip_sessions", precise=moment.microsecond != 0,
        code=200 if kind in ("registered", "unregistered") else None,
        reason=details or None, transport="tls" if row.get("tlscipher") else None,
        remote=row.get("remoteaddr"), user_agent=row.get("useragent"),
        expires=0 if kind == "unregistered" else expires_of(details),
    )


def method_code(details: str | None) -> tuple[str | None, int | None, str | None]:
    """("REGISTER", 401, "Unauthorized") from an auth event's details, when it says so."""
    match = _METHOD_CODE.match((details or "").strip())
    if not match:
        return None, None, None
    return match.group("method"), int(match.group("code")), match.group("reason") or None


def refused_event(row: Mapping[str, Any], cause: RefusalCause, tz: tzinfo) -> RegistrationEvent:
    moment = to_utc(row["time"], tz)
    _, code, reason = method_code(row.get("details"))
    return RegistrationEvent(time=moment, kind="refused", source="auth_events", precise=moment.microsecond != 0,
                             code=code, reason=reason or str(row["event"]), cause=cause, remote=row.get("ip"))


def channel_account(channel: str | None) -> str | None:
    match = _CHANNEL.match(channel or "")
    return match.group("account") if match else None


def cdr_attempt(row: Mapping[str, Any], caller: str, tz: tzinfo) -> CallAttempt:
    moment = to_utc(row["time"], tz)
    disposition = str(row.get("disposition") or "").upper()
    raw = row.get("hangupcause")
    code = int(raw) if raw not in (None, "") else DISPOSITION_CODES.get(disposition)
    answered = code is not None and 200 <= code < 300
    side: FailedSide | None = None if answered else "unknown" if code is None else "server" if code >= 500 else "callee"
    return CallAttempt(
        time=moment, caller=caller, dialled=row.get("dst"), reached=channel_account(row.get("dstchannel")),
        code=code, reason=disposition or None, source="cdr", precise=moment.microsecond != 0,
        failed_side=side, call_id=row.get("uniqueid"),
    )


def refused_call(row: Mapping[str, Any], cause: RefusalCause, caller: str, tz: tzinfo) -> CallAttempt:
    moment = to_utc(row["time"], tz)
    _, code, reason = method_code(row.get("details"))
    return CallAttempt(time=moment, caller=caller, dialled=None, reached=None, code=code,
                       reason=reason or str(row["event"]), source="auth_events", precise=moment.microsecond != 0,
                       failed_side="server" if cause == "server-error" else "caller", cause=cause)
