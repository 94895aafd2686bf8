"""Tables. Events are append-only: the timeline is never edited, only added to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PlaybookVersion(Base):
    """Every playbook version an incident ever started with, so edits never change a running incident."""

    __tablename__ = "playbook_versions"

    playbook_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(500), default="")
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    caller: Mapped[str] = mapped_column(String(200))
    callee: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    reporter: Mapped[str] = mapped_column(String(120), default="")
    playbook_id: Mapped[str] = mapped_column(String(120))
    playbook_version: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20), default="open")
    current_node: Mapped[str | None] = mapped_column(String(120), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(80), nullable=True)
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    handoff: Mapped[str | None] = mapped_column(String(120), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(120), nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_incidents_status_level", "status", "level", "id"),
        Index("ix_incidents_updated", "updated_at"),
        Index("ix_incidents_opened", "opened_at"),
    )


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(120), default="")
    node: Mapped[str | None] = mapped_column(String(120), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(80), nullable=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        UniqueConstraint("incident_id", "seq", name="uq_events_incident_seq"),
        # reports: outcome frequencies per node, and time per level from escalation events
        Index("ix_events_kind_node", "kind", "node", "outcome"),
        Index("ix_events_kind_incident", "kind", "incident_id", "seq", "at", "level"),
    )


class Attachment(Base):
    """Client logs and other files, stored redacted (secrets removed before anything is written)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(120), default="")
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


ACTIVE_JOB = "state IN ('queued', 'running')"


class TriageJob(Base):
    """A background probe run for one incident (``store.jobqueue``): queued, claimed by a worker
    under a lease it keeps renewing, then done or failed. At most one active job per incident."""

    __tablename__ = "triage_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(20))  # triage (just opened) | advance (continue)
    requested_by: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(20))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    worker: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    again: Mapped[bool] = mapped_column(Boolean, default=False)
    probe: Mapped[str | None] = mapped_column(String(120), nullable=True)
    node: Mapped[str | None] = mapped_column(String(120), nullable=True)
    instruction: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    probed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    waiting_for: Mapped[str | None] = mapped_column(String(120), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        # The database, not a process, guarantees one active job per incident.
        Index("ux_triage_jobs_active_incident", "incident_id", unique=True,
              sqlite_where=text(ACTIVE_JOB), postgresql_where=text(ACTIVE_JOB)),
        Index("ix_triage_jobs_incident", "incident_id", "id"),
        Index("ix_triage_jobs_claim", "state", "run_after", "id"),
    )
