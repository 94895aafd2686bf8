"""The triage job queue in the database, shared by every `serve` and `calltriage worker` process.

A job is claimed by one worker with one statement: on PostgreSQL the candidate row is picked
with ``SELECT … FOR UPDATE SKIP LOCKED`` (two workers never wait on, nor take, the same row);
on SQLite the claim runs in a ``BEGIN IMMEDIATE`` transaction, so only one writer claims at a
time. The claimant holds a *lease* (``lease_until``) that its heartbeat renews; a worker that
dies (``kill -9``, a lost machine) stops renewing, and once the lease expires another worker
claims the job again, up to ``max_attempts`` claims. Every write a worker makes about a job
is fenced by (worker, attempt): a worker whose lease was taken over can no longer touch it.
One active (queued or running) job per incident is a partial unique index, not a lock in a process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from calltriage.errors import Conflict
from calltriage.store.db import Store
from calltriage.store.job_models import TriageJob

ACTIVE = ("queued", "running")
Clock = Callable[[], datetime]


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite returns naive datetimes; we store UTC
        value = value.replace(tzinfo=UTC)
    return value


def _iso(value: datetime | None) -> str | None:
    value = _utc(value)
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@dataclass(frozen=True)
class Job:
    """A snapshot of one job row."""

    id: int
    incident_id: int
    kind: str
    requested_by: str
    state: str
    attempts: int = 0
    max_attempts: int = 1
    worker: str | None = None
    probe: str | None = None
    node: str | None = None
    instruction: dict[str, Any] | None = None
    probed: list[dict[str, Any]] = field(default_factory=list)
    waiting_for: str | None = None
    error: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "incident": self.incident_id, "kind": self.kind, "requested_by": self.requested_by,
            "state": "running" if self.active else self.state,
            "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at), "probe": self.probe, "node": self.node,
            "instruction": dict(self.instruction) if self.instruction else None,
            "probed": list(self.probed), "waiting_for": self.waiting_for, "error": self.error,
            "attempts": self.attempts, "worker": self.worker,
        }


def _job(row: Any) -> Job:
    return Job(id=row.id, incident_id=row.incident_id, kind=row.kind, requested_by=row.requested_by,
               state=row.state, attempts=row.attempts, max_attempts=row.max_attempts, worker=row.worker,
               probe=row.probe, node=row.node, instruction=row.instruction, probed=list(row.probed or []),
               waiting_for=row.waiting_for, error=row.error, created_at=_utc(row.created_at),
               started_at=_utc(row.started_at), finished_at=_utc(row.finished_at))


class JobQueue:
    def __init__(self, store: Store, *, lease: float = 30.0, max_attempts: int = 3,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.lease = timedelta(seconds=lease)
        self.max_attempts = max_attempts
        self.clock = clock

    # -- what front ends call ------------------------------------------------------------
    def enqueue(self, incident_id: int, *, kind: str, requested_by: str) -> Job:
        """A new queued job; ``Conflict`` when the incident already has an active one."""
        now = self.clock()
        try:
            with self.store.write() as session:
                row = TriageJob(incident_id=incident_id, kind=kind, requested_by=requested_by, state="queued",
                                attempts=0, max_attempts=self.max_attempts, run_after=now, again=False,
                                probed=[], created_at=now)
                session.add(row)
                session.flush()
                return _job(row)
        except IntegrityError:
            current = self.latest(incident_id)
            if current is None or not current.active:
                raise  # not the one-active-job index: a real integrity problem (unknown incident...)
            raise Conflict(f"incident {incident_id}: probes are already running (job {current.id}, "
                           f"started by {current.requested_by}); wait for them to finish") from None

    def request_again(self, incident_id: int) -> Job | None:
        """Ask the incident's active job to go round once more; None when it has none."""
        with self.store.write() as session:
            row = session.scalars(select(TriageJob).where(
                TriageJob.incident_id == incident_id, TriageJob.state.in_(ACTIVE))).first()
            if row is None:
                return None
            row.again = True
            return _job(row)

    def latest(self, incident_id: int) -> Job | None:
        with self.store.read() as session:
            row = session.scalars(select(TriageJob).where(TriageJob.incident_id == incident_id)
                                  .order_by(TriageJob.id.desc()).limit(1)).first()
            return _job(row) if row is not None else None

    def get(self, job_id: int) -> Job | None:
        with self.store.read() as session:
            row = session.get(TriageJob, job_id)
            return _job(row) if row is not None else None

    # -- what workers call ---------------------------------------------------------------
    def _claimable(self, now: datetime) -> Any:
        return or_(and_(TriageJob.state == "queued", TriageJob.run_after <= now),
                   and_(TriageJob.state == "running", TriageJob.lease_until < now,
                        TriageJob.attempts < TriageJob.max_attempts))

    def claim(self, worker: str) -> Job | None:
        """Take the oldest job that is queued or whose worker's lease expired; None if there is none."""
        now = self.clock()
        with self.store.read() as session:  # a cheap look first: SQLite's write lock only when needed
            if session.scalar(select(TriageJob.id).where(self._claimable(now) | self._abandoned(now))
                              .limit(1)) is None:
                return None
        with self.store.write() as session:
            session.execute(update(TriageJob).where(self._abandoned(now)).values(
                state="failed", finished_at=now, probe=None, instruction=None, worker=None,
                error=("gave up: every worker that ran this job stopped before it finished (killed or cut off "
                       "from the database); run the probes again")))
            pick = select(TriageJob.id).where(self._claimable(now)).order_by(TriageJob.id).limit(1)
            if not self.store.is_sqlite:
                pick = pick.with_for_update(skip_locked=True)
            row = session.execute(
                update(TriageJob).where(TriageJob.id == pick.scalar_subquery())
                .values(state="running", worker=worker, attempts=TriageJob.attempts + 1,
                        started_at=now, lease_until=now + self.lease, heartbeat_at=now,
                        probe=None, node=None, instruction=None)
                .returning(*TriageJob.__table__.c)).first()
            return _job(row) if row is not None else None

    def _abandoned(self, now: datetime) -> Any:
        return and_(TriageJob.state == "running", TriageJob.lease_until < now,
                    TriageJob.attempts >= TriageJob.max_attempts)

    def heartbeat(self, worker: str) -> int:
        """Renew the lease of every job this worker runs; the number of jobs it still holds."""
        now = self.clock()
        with self.store.write() as session:
            result = session.execute(update(TriageJob).where(TriageJob.worker == worker,
                                                             TriageJob.state == "running")
                                     .values(lease_until=now + self.lease, heartbeat_at=now))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def release(self, worker: str) -> int:
        """A worker shutting down hands its running jobs back at once (the claim does not count)."""
        now = self.clock()
        with self.store.write() as session:
            result = session.execute(update(TriageJob).where(TriageJob.worker == worker, TriageJob.state == "running")
                                     .values(state="queued", worker=None, lease_until=None, run_after=now,
                                             attempts=TriageJob.attempts - 1, probe=None, instruction=None))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def _fenced(self, job: Job, worker: str) -> Any:
        return (TriageJob.id == job.id) & (TriageJob.worker == worker) & (TriageJob.state == "running") & (
            TriageJob.attempts == job.attempts)

    def progress(self, job: Job, worker: str, **values: Any) -> bool:
        """Record what the job does now (probe, node, instruction, probed, waiting_for)."""
        with self.store.write() as session:
            result = session.execute(update(TriageJob).where(self._fenced(job, worker)).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def take_again(self, job: Job, worker: str) -> bool:
        """True (and reset) when an operator asked for one more round while the job ran."""
        with self.store.write() as session:
            result = session.execute(update(TriageJob).where(self._fenced(job, worker), TriageJob.again.is_(True))
                                     .values(again=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def finish(self, job: Job, worker: str, *, state: str, error: str | None = None,
               retry_in: float | None = None) -> bool:
        """``done``/``failed``; with ``retry_in`` a failed attempt is queued again while attempts remain."""
        now = self.clock()
        values: dict[str, Any] = {"probe": None, "instruction": None, "error": error}
        if retry_in is not None and job.attempts < job.max_attempts:
            values.update(state="queued", worker=None, lease_until=None,
                          run_after=now + timedelta(seconds=retry_in))
        else:
            values.update(state=state, finished_at=now, node=None)
        with self.store.write() as session:
            result = session.execute(update(TriageJob).where(self._fenced(job, worker)).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]
