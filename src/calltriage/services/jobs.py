"""Background triage jobs as the web front ends see them: queue, follow, show.

A watch probe may wait up to two minutes for the user's action ("force a reconnection now"),
so the web never runs probes inside a request: it queues a job in the database
(``store.jobqueue``) and answers at once. Jobs are run by workers (``services.worker``): the
one `calltriage serve` embeds by default, and any number of `calltriage worker` processes. The
status every server process shows is the job row: ``running`` with the instruction the
operator must give the user while a watch probe waits, then ``done`` with the step that now
needs a person (``waiting_for``), or ``failed`` with a one-line reason. One active job per
incident is enforced by the database: asking again while one runs raises ``Conflict``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from calltriage.errors import CalltriageError, Conflict
from calltriage.services.incidents import Actor, IncidentService
from calltriage.store.jobqueue import Job, JobQueue

if TYPE_CHECKING:
    from calltriage.config import ServerSettings
    from calltriage.probes.runner import ProbeRunner
    from calltriage.services.worker import Worker

NO_SERVER = ("no SIP server configured (set CALLTRIAGE_CONFIG): probes cannot run, every check stays a "
             "question for the operator")
Extras = Callable[[int], dict[str, Any]]
__all__ = ["NO_SERVER", "Job", "TriageJobs"]


class TriageJobs:
    """Queue and follow triage jobs; with ``workers`` > 0, also run them in this process."""

    def __init__(self, incidents: IncidentService, settings: ServerSettings | None, *, workers: int = 2,
                 max_wait: float | None = None, extras: Extras | None = None, runner: ProbeRunner | None = None,
                 lease: float = 30.0, max_attempts: int = 3, poll: float = 1.0) -> None:
        self.incidents = incidents
        self.settings = settings
        self.queue = JobQueue(incidents.store, lease=lease, max_attempts=max_attempts)
        self.worker: Worker | None = None
        if workers > 0:
            from calltriage.services.worker import Worker

            self.worker = Worker(incidents, self.queue, settings, concurrency=workers, max_wait=max_wait,
                                 extras=extras, runner=runner, poll=poll)
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

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()

    def submit(self, incident_id: int, *, actor: Actor, kind: str = "advance") -> Job:
        """Queue a job (kind ``triage``, ``advance`` or ``watch``: watch again) for the incident;
        ``Conflict`` if one is already queued or running."""
        if self._closed:
            raise CalltriageError("the server is shutting down: run the probes again after it restarts")
        job = self.queue.enqueue(incident_id, kind=kind, requested_by=actor.name)
        if self.worker is not None:
            self.worker.start()  # lazily: a desk that never runs probes starts no threads
            self.worker.wake()
        return job

    def follow_up(self, incident_id: int, *, actor: Actor) -> Job | None:
        """After an operator's answer: let the probes answer what follows (only with a server).

        A job already queued or running for the incident is asked to go round once more instead.
        """
        if self.settings is None:
            return None
        current = self.queue.request_again(incident_id)
        if current is not None:
            return current
        try:
            return self.submit(incident_id, actor=actor)
        except Conflict:  # another request queued one between the two looks: that one does the work
            return None

    def get(self, incident_id: int) -> Job | None:
        return self.queue.latest(incident_id)

    def status(self, incident_id: int) -> dict[str, Any]:
        """The incident's latest job (``state`` idle when it never had one)."""
        job = self.get(incident_id) if incident_id > 0 else None
        view = job.to_dict() if job is not None else {"id": None, "incident": incident_id, "state": "idle",
                                                      "instruction": None, "probed": [], "waiting_for": None,
                                                      "error": None, "probe": None, "node": None}
        # What the incident waits for, read now (a watch that saw nothing, the user's instruction).
        view["waiting"] = None
        if incident_id > 0 and not (job is not None and job.active):
            from calltriage.services.triage import waiting_state

            view["waiting"] = waiting_state(self.incidents.next_step(incident_id))
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
        """Stop taking jobs and stop this process's worker."""
        self._closed = True
        if self.worker is not None:
            self.worker.close()
