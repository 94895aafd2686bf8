"""Tables of the web desk: operators, their API tokens, and the webhook outbox.

Registered on the same ``Base`` as the incident tables so that one Alembic history covers
both (revision 0002). Passwords and tokens are stored only as hashes (argon2 / sha256).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calltriage.store.models import Base, Event


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # L1, L2, L3, admin
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on disable / password change: every signed session cookie carrying an older
    # epoch stops working at once, without a server-side session table.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the token
    prefix: Mapped[str] = mapped_column(String(16))  # first characters, to tell tokens apart in lists
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # None: never


class EndedSession(Base):
    """A desk session logged out before its cookie expires: that cookie no longer works, the
    operator's other browsers do. Kept until the cookie would have expired anyway."""

    __tablename__ = "ended_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), index=True)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginFailure(Base):
    """One failed login, counted against the operator name tried and the client address; kept for
    the throttle's window, shared by every `serve` process on the database."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))  # operator | address
    who: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_login_failures_who", "kind", "who", "at"), Index("ix_login_failures_at", "at"))


class LoginLockout(Base):
    """An operator name or a client address refused until ``until`` (one row each, while it lasts)."""

    __tablename__ = "login_lockouts"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    who: Mapped[str] = mapped_column(String(120), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class WebhookDelivery(Base):
    """One POST of one timeline event to one URL; retried with back-off until delivered or given up."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(Integer)
    incident_id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(1000))  # shortened for display (webhooks.safe_url), never the secret
    url_key: Mapped[str] = mapped_column(String(16))  # webhooks.url_key of the configured URL it goes to
    kind: Mapped[str] = mapped_column(String(40))  # incident.escalated, incident.closed, ...
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        UniqueConstraint("event_id", "url_key", name="uq_webhook_event_url"),
        Index("ix_webhook_due", "status", "next_attempt_at"),
    )


class WebhookCursor(Base):
    """How far the dispatcher has read the event table (one row, id 1)."""

    __tablename__ = "webhook_cursor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


# "Waiting for me" queues look up the incidents an operator acted on.
Index("ix_events_actor_incident", Event.actor, Event.incident_id)
