"""The triage job table (``store.jobqueue``), apart from the incident tables.

Its partial unique index names SQLite's and PostgreSQL's ``WHERE`` clauses, which makes
SQLAlchemy import both dialects: kept out of ``models`` so a short CLI command that never
touches jobs does not pay for that. Registered on the same ``Base`` (Alembic revision 0004_jobs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from calltriage.store.models import Base

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
