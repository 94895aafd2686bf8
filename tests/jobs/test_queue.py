"""The job queue's rules on both databases: one active job per incident, leases, fencing, retries.

The clock is the queue's own (a lease "expires" when the test moves it), so nothing waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from calltriage.errors import Conflict
from calltriage.services.context import App, build_app
from calltriage.services.incidents import Actor
from calltriage.store.job_models import TriageJob
from calltriage.store.jobqueue import JobQueue


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def pass_(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    made = build_app(db_url)
    yield made
    made.close()


def incident(app: App) -> int:
    return int(app.incidents.open(playbook_id="user-cant-call-professional", caller="alice", callee="bob",
                                  actor=Actor("ana"))["id"])


def test_an_incident_has_at_most_one_active_job_and_the_database_says_so(app: App) -> None:
    queue = JobQueue(app.store)
    first = incident(app)
    job = queue.enqueue(first, kind="triage", requested_by="ana")
    with pytest.raises(Conflict, match=f"job {job.id}, started by ana"):
        queue.enqueue(first, kind="advance", requested_by="ben")
    # the index itself refuses a second active row, whatever the process that tries
    with pytest.raises(IntegrityError), app.store.write() as session:
        session.add(TriageJob(incident_id=first, kind="x", requested_by="x", state="running", attempts=0,
                              max_attempts=1, run_after=datetime.now(UTC), again=False, probed=[],
                              created_at=datetime.now(UTC)))
    claimed = queue.claim("w1")
    assert claimed is not None and queue.finish(claimed, "w1", state="done")
    assert queue.enqueue(first, kind="advance", requested_by="ben").id != job.id  # done: a new one may start


def test_a_worker_whose_lease_expired_loses_the_job_and_can_no_longer_write_it(app: App) -> None:
    clock = Clock()
    queue = JobQueue(app.store, lease=30, max_attempts=3, clock=clock)
    job = queue.enqueue(incident(app), kind="triage", requested_by="ana")
    mine = queue.claim("w1")
    assert mine is not None and mine.id == job.id and mine.attempts == 1 and mine.worker == "w1"
    assert queue.claim("w2") is None  # held
    clock.pass_(20)
    assert queue.heartbeat("w1") == 1
    clock.pass_(20)
    assert queue.claim("w2") is None  # renewed 20 s ago: still w1's
    clock.pass_(31)
    theirs = queue.claim("w2")
    assert theirs is not None and theirs.id == job.id and theirs.attempts == 2
    assert not queue.progress(mine, "w1", probe="client.version")
    assert not queue.finish(mine, "w1", state="done")
    assert queue.heartbeat("w1") == 0
    assert queue.finish(theirs, "w2", state="done")
    final = queue.get(job.id)
    assert final is not None and final.state == "done" and final.worker == "w2"


def test_a_job_whose_workers_keep_dying_fails_after_its_attempts_with_a_reason(app: App) -> None:
    clock = Clock()
    queue = JobQueue(app.store, lease=10, max_attempts=2, clock=clock)
    job = queue.enqueue(incident(app), kind="triage", requested_by="ana")
    for worker in ("w1", "w2"):
        assert queue.claim(worker) is not None
        clock.pass_(11)
    assert queue.claim("w3") is None
    final = queue.get(job.id)
    assert final is not None and final.state == "failed" and final.attempts == 2
    assert final.error is not None and "run the probes again" in final.error and "\n" not in final.error


def test_a_failed_attempt_is_retried_later_and_not_before(app: App) -> None:
    clock = Clock()
    queue = JobQueue(app.store, max_attempts=2, clock=clock)
    job = queue.enqueue(incident(app), kind="triage", requested_by="ana")
    first = queue.claim("w1")
    assert first is not None
    assert queue.finish(first, "w1", state="failed", error="database went away", retry_in=5)
    assert queue.get(job.id).state == "queued"  # type: ignore[union-attr]
    assert queue.claim("w1") is None
    clock.pass_(6)
    second = queue.claim("w2")
    assert second is not None and second.attempts == 2
    assert queue.finish(second, "w2", state="failed", error="database went away", retry_in=5)
    final = queue.get(job.id)
    assert final is not None and final.state == "failed" and final.error == "database went away"


def test_an_answer_while_a_job_runs_asks_it_for_one_more_round(app: App) -> None:
    queue = JobQueue(app.store)
    first = incident(app)
    assert queue.request_again(first) is None
    queue.enqueue(first, kind="triage", requested_by="ana")
    assert queue.request_again(first) is not None
    running = queue.claim("w1")
    assert running is not None
    assert queue.take_again(running, "w1") is True
    assert queue.take_again(running, "w1") is False


def test_a_worker_that_stops_hands_its_job_back_without_using_up_an_attempt(app: App) -> None:
    queue = JobQueue(app.store, max_attempts=1)
    job = queue.enqueue(incident(app), kind="triage", requested_by="ana")
    held = queue.claim("w1")
    assert held is not None and queue.release("w1") == 1
    assert not queue.finish(held, "w1", state="done")  # its late result no longer counts
    again = queue.claim("w2")
    assert again is not None and again.id == job.id and again.attempts == 1
