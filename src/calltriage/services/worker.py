"""The triage worker: claims jobs from the database queue and runs ``TriageService.advance``.

`calltriage worker` runs one (``--concurrency`` threads), and `calltriage serve` embeds one by
default so a single machine needs nothing else. Any number of workers on any machines may
share one database: a job is claimed by exactly one of them (``store.jobqueue``). A heartbeat
thread renews the leases of the jobs this worker runs; a job whose worker died is claimed again
once its lease expires. Every probe result is stored as a timeline event the moment it arrives,
so a job claimed again continues where the dead worker stopped.

A watch probe may wait minutes for the user ("force a reconnection now"): while it waits the
job row carries the instruction the operator must give, for every server process to show.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from calltriage.errors import CalltriageError, StoreError
from calltriage.services.incidents import IncidentService
from calltriage.store.jobqueue import Job, JobQueue

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from calltriage.config import ServerSettings
    from calltriage.domain.model import ProbeResult
    from calltriage.probes.base import ProbeContext
    from calltriage.probes.runner import ProbeRunner

log = logging.getLogger(__name__)
RETRY_AFTER = 5.0  # seconds before a job that failed unexpectedly is tried again (doubled per attempt)


def worker_name() -> str:
    """``host:pid:random``: unique per worker, and tells an operator which process runs a job."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class _ObservedRunner:
    """The shared runner, writing into the job row which probe runs (for every server to show)."""

    def __init__(self, shared: ProbeRunner, report: Callable[..., Any]) -> None:
        self.shared = shared
        self.report = report

    def run(self, name: str, ctx: ProbeContext, params: Mapping[str, Any] | None = None) -> ProbeResult:
        self.report(probe=name)
        try:
            return self.shared.run(name, ctx, params)
        finally:
            self.report(probe=None, instruction=None)


class Worker:
    def __init__(self, incidents: IncidentService, queue: JobQueue, settings: ServerSettings | None, *,
                 concurrency: int = 2, max_wait: float | None = None,
                 extras: Callable[[int], dict[str, Any]] | None = None, runner: ProbeRunner | None = None,
                 poll: float = 1.0, name: str | None = None) -> None:
        self.incidents = incidents
        self.queue = queue
        self.settings = settings
        self.concurrency = concurrency
        self.max_wait = max_wait
        self.extras = extras
        self.poll = poll
        self.name = name or worker_name()
        self._runner = runner
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Threads that poll the queue until ``close`` (the embedded worker, `calltriage worker`)."""
        with self._lock:
            if self._threads or self.concurrency < 1:
                return
            for n in range(self.concurrency):
                self._spawn(self._loop, f"calltriage-worker-{n + 1}")
            self._spawn(self._beat, "calltriage-heartbeat")

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def wake(self) -> None:
        """A job was queued in this process: look now instead of at the next poll."""
        self._wake.set()

    def close(self, timeout: float = 0.5) -> None:
        """Stop claiming; a probe still waiting is abandoned and its job handed back to the queue
        for another worker (earlier results are already stored)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        if any(thread.is_alive() for thread in self._threads):
            try:
                self.queue.release(self.name)
            except CalltriageError as exc:  # the lease expires instead
                log.warning("triage worker %s: jobs not handed back: %s", self.name, exc.message)
        if self._runner is not None:
            self._runner.close()

    def run_pending(self) -> int:
        """`calltriage worker --once`: run jobs until none is claimable, ``concurrency`` at a time."""
        done = [0]
        count_lock = threading.Lock()

        def drain() -> None:
            while self.run_one():
                with count_lock:
                    done[0] += 1

        self._spawn(self._beat, "calltriage-heartbeat")
        drains = [threading.Thread(target=drain, daemon=True) for _ in range(max(1, self.concurrency))]
        for thread in drains:
            thread.start()
        for thread in drains:
            thread.join()
        self._stop.set()
        return done[0]

    # -- threads -------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_one()
            except CalltriageError as exc:  # the database is away: say so, try again later
                log.warning("triage worker %s: %s", self.name, exc.message)
                ran = False
            if not ran:
                self._wake.wait(self.poll)
                self._wake.clear()

    def _beat(self) -> None:
        every = max(0.2, self.queue.lease.total_seconds() / 3)
        while not self._stop.wait(every):
            try:
                self.queue.heartbeat(self.name)
            except CalltriageError as exc:
                log.warning("triage worker %s: lease not renewed: %s", self.name, exc.message)

    # -- one job -------------------------------------------------------------------------
    def shared_runner(self) -> ProbeRunner:
        with self._lock:
            if self._runner is None:
                from calltriage.probes.runner import ProbeRunner

                self._runner = ProbeRunner()
            return self._runner

    def run_one(self) -> bool:
        """Claim one job and run it; False when there was nothing to claim."""
        job = self.queue.claim(self.name)
        if job is None:
            return False
        self._run(job)
        return True

    def _run(self, job: Job) -> None:
        from calltriage.services.triage import TriageService

        def report(**values: Any) -> None:
            try:
                self.queue.progress(job, self.name, **values)
            except CalltriageError as exc:  # progress is for the screen; the lease decides the rest
                log.warning("triage job %s: progress not saved: %s", job.id, exc.message)

        def on_wait(node: str, instruction: str, seconds: float) -> None:
            until = (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
            report(node=node, instruction={"node": node, "text": instruction, "seconds": seconds, "until": until})

        runner = cast("ProbeRunner", _ObservedRunner(self.shared_runner(), report))
        service = TriageService(self.incidents, runner, self.settings, max_wait=self.max_wait, on_wait=on_wait,
                                extras=self.extras)
        probed = list(job.probed)
        retry: float | None = None
        try:
            first = True
            while True:
                # "watch again" (desk, API): the first round watches the current step again
                result = service.watch(job.incident_id) if first and job.kind == "watch" else \
                    service.advance(job.incident_id)
                first = False
                probed.extend(result.probed)
                report(probed=probed, waiting_for=result.waiting_for)
                if not self.queue.take_again(job, self.name):
                    break
            state, error = "done", None
        except StoreError as exc:  # the database went away mid-job: try again later
            state, error, retry = "failed", exc.message, RETRY_AFTER * 2 ** (job.attempts - 1)
        except CalltriageError as exc:
            state, error = "failed", exc.message
        except Exception as exc:  # a bug must not kill the worker thread; the log has the traceback
            log.exception("triage job %s for incident %s failed", job.id, job.incident_id)
            state, error = "failed", f"unexpected error ({exc.__class__.__name__}): the worker log has the details"
            retry = RETRY_AFTER * 2 ** (job.attempts - 1)
        try:
            if not self.queue.finish(job, self.name, state=state, error=error, retry_in=retry):
                log.warning("triage job %s: another worker took it over (this worker's lease expired)", job.id)
        except CalltriageError as exc:
            log.warning("triage job %s: result not saved (%s); its lease expires and it runs again", job.id,
                        exc.message)
