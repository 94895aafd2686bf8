"""Background triage jobs for `calltriage serve`: probes run outside the request.

A watch probe may wait up to two minutes for the user's action ("force a reconnection now"),
so the web never runs probes inside a request. ``TriageJobs`` keeps a few daemon worker threads
per process, one ``ProbeRunner`` shared by all jobs (its per-server concurrency cap and rate
limit then hold for the whole process), and at most one job per incident: asking again while
one runs raises ``Conflict``. Jobs live in memory only; nothing is lost on a restart because
every probe result is stored as a timeline event the moment it arrives.

The job tells its status page what to show: ``running`` with the instruction the operator must
give the user while a watch probe waits (``TriageService``'s ``on_wait``), then ``done`` with
the step that now needs a person (``waiting_for``), or ``failed`` with a one-line reason.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from calltriage.errors import CalltriageError, Conflict
from calltriage.services.incidents import Actor, IncidentService

if TYPE_CHECKING:
    from collections.abc import Mapping

    from calltriage.config import ServerSettings
    from calltriage.domain.model import ProbeResult
    from calltriage.probes.base import ProbeContext
    from calltriage.probes.runner import ProbeRunner

log = logging.getLogger(__name__)
NO_SERVER = ("no SIP server configured (set CALLTRIAGE_CONFIG): probes cannot run, every check stays a "
             "question for the operator")
KEEP = 2000  # finished jobs remembered (their status page), oldest forgotten first
Extras = Callable[[int], dict[str, Any]]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@dataclass
class Job:
    id: int
    incident_id: int
    kind: str  # "triage" (just opened) | "advance" (continue an incident) | "watch" (watch again)
    requested_by: str
    state: str = "queued"  # queued | running | done | failed
    created_at: datetime = field(default_factory=_now)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    probe: str | None = None  # the probe running now
    node: str | None = None  # ... on this node
    instruction: dict[str, Any] | None = None  # what the operator must ask the user, while a watch probe runs
    probed: list[dict[str, Any]] = field(default_factory=list)
    waiting_for: str | None = None  # the step that needs an operator once the job is done
    waiting: dict[str, Any] | None = None  # what it waits for (services.triage.waiting_state)
    error: str | None = None
    again: bool = False  # an operator answered meanwhile: advance once more when this run ends

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "incident": self.incident_id, "kind": self.kind, "requested_by": self.requested_by,
            "state": "running" if self.active else self.state,
            "created_at": _iso(self.created_at), "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at), "probe": self.probe, "node": self.node,
            "instruction": dict(self.instruction) if self.instruction else None,
            "probed": list(self.probed), "waiting_for": self.waiting_for, "waiting": self.waiting,
            "error": self.error,
        }


class _ObservedRunner:
    """The shared runner, telling the job which probe runs and when a watch is over."""

    def __init__(self, shared: ProbeRunner, job: Job, lock: threading.Lock) -> None:
        self.shared = shared
        self.job = job
        self.lock = lock

    def run(self, name: str, ctx: ProbeContext, params: Mapping[str, Any] | None = None) -> ProbeResult:
        with self.lock:
            self.job.probe = name
        try:
            return self.shared.run(name, ctx, params)
        finally:
            with self.lock:
                self.job.probe = None
                self.job.instruction = None


class TriageJobs:
    """Run ``TriageService.advance`` for incidents in background threads, one job per incident."""

    def __init__(self, incidents: IncidentService, settings: ServerSettings | None, *, workers: int = 8,
                 max_wait: float | None = None, extras: Extras | None = None,
                 runner: ProbeRunner | None = None) -> None:
        self.incidents = incidents
        self.settings = settings
        self.max_wait = max_wait
        self.extras = extras
        self.workers = workers
        self._runner = runner
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._jobs: OrderedDict[int, Job] = OrderedDict()  # incident id -> its latest job
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False

    # -- what the front ends call ------------------------------------------------------------
    @property
    def configured(self) -> bool:
        return self.settings is not None

    def server(self) -> dict[str, Any] | None:
        """Where probes go, safe to show (no secrets), or None without a configuration."""
        if self.settings is None:
            return None
        s = self.settings.server
        return {"source": self.settings.source or "environment", "domain": s.domain, "host": s.host,
                "tls_port": s.tls_port}

    def submit(self, incident_id: int, *, actor: Actor, kind: str = "advance") -> Job:
        """Queue a job for the incident; ``Conflict`` if one is already queued or running."""
        with self._lock:
            if self._closed:
                raise CalltriageError("the server is shutting down: run the probes again after it restarts")
            current = self._jobs.get(incident_id)
            if current is not None and current.active:
                raise Conflict(f"incident {incident_id}: probes are already running (job {current.id}, "
                               f"started by {current.requested_by}); wait for them to finish")
            job = Job(next(self._ids), incident_id, kind, actor.name)
            self._remember(job)
            self._start_workers()
        self._queue.put(job)
        return job

    def follow_up(self, incident_id: int, *, actor: Actor) -> Job | None:
        """After an operator's answer: let the probes answer what follows (only with a server).

        A job already running for the incident is asked to go round once more instead.
        """
        if self.settings is None:
            return None
        with self._lock:
            current = self._jobs.get(incident_id)
            if current is not None and current.active:
                current.again = True
                return current
        try:
            return self.submit(incident_id, actor=actor)
        except Conflict:  # another request queued one between the two looks: that one does the work
            return None

    def get(self, incident_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(incident_id)

    def status(self, incident_id: int) -> dict[str, Any]:
        """The incident's latest job (``state`` idle when it never had one in this process)."""
        with self._lock:
            job = self._jobs.get(incident_id)
            view = job.to_dict() if job is not None else {"id": None, "incident": incident_id, "state": "idle",
                                                          "instruction": None, "probed": [], "waiting_for": None,
                                                          "waiting": None,
                                                          "error": None, "probe": None, "node": None}
        view["server"] = self.server()
        view["notice"] = None if self.configured else NO_SERVER
        return view

    def wait(self, incident_id: int, timeout: float = 60.0) -> Job | None:
        """Block until the incident's job is over (tests, scripts). Returns the job."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(incident_id)
            if job is None or not job.active:
                return job
            time.sleep(0.05)
        return self.get(incident_id)

    def close(self) -> None:
        """Stop taking jobs and stop the workers; a probe that still waits is abandoned (its
        earlier results are already stored)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout=0.5)
        if self._runner is not None:
            self._runner.close()

    # -- workers -----------------------------------------------------------------------------
    def _remember(self, job: Job) -> None:
        self._jobs.pop(job.incident_id, None)
        self._jobs[job.incident_id] = job
        while len(self._jobs) > KEEP:
            oldest = next(iter(self._jobs))
            if self._jobs[oldest].active:
                break
            self._jobs.pop(oldest)

    def _start_workers(self) -> None:
        # Lazily, under self._lock: a desk that never runs probes starts no threads.
        busy = sum(1 for j in self._jobs.values() if j.active)
        while len(self._threads) < min(self.workers, busy):
            thread = threading.Thread(target=self._work, name=f"calltriage-triage-{len(self._threads) + 1}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _shared_runner(self) -> ProbeRunner:
        with self._lock:
            if self._runner is None:
                from calltriage.probes.runner import ProbeRunner

                self._runner = ProbeRunner()
            return self._runner

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: Job) -> None:
        from calltriage.services.triage import TriageService

        with self._lock:
            job.state, job.started_at = "running", _now()
        runner = cast("ProbeRunner", _ObservedRunner(self._shared_runner(), job, self._lock))

        def on_wait(node: str, instruction: str, seconds: float) -> None:
            with self._lock:
                job.node = node
                job.instruction = {"node": node, "text": instruction, "seconds": seconds,
                                   "until": _iso(_now() + timedelta(seconds=seconds))}

        service = TriageService(self.incidents, runner, self.settings, max_wait=self.max_wait, on_wait=on_wait,
                                extras=self.extras)
        try:
            first = True
            while True:
                if first and job.kind == "watch":
                    report = service.watch(job.incident_id)
                else:
                    report = service.advance(job.incident_id)
                first = False
                with self._lock:
                    job.probed.extend(report.probed)
                    job.waiting_for = report.waiting_for
                    job.waiting = report.waiting
                    again, job.again = job.again, False
                if not again:
                    break
            state, error = "done", None
        except CalltriageError as exc:
            state, error = "failed", exc.message
        except Exception as exc:  # a bug must not kill the worker thread; the log has the traceback
            log.exception("triage job %s for incident %s failed", job.id, job.incident_id)
            state, error = "failed", f"unexpected error ({exc.__class__.__name__}): the server log has the details"
        with self._lock:
            job.state, job.error, job.finished_at = state, error, _now()
            job.probe = job.node = None
            job.instruction = None
