"""`calltriage worker --once` runs what is queued, once, and says so."""

from __future__ import annotations

from calltriage.services.context import build_app
from calltriage.store.jobqueue import JobQueue
from tests.cli_runner import cli


def test_worker_once_runs_every_queued_job_and_exits(db_url: str) -> None:
    opened = [cli("incident", "open", "--caller", f"user{n}", "--callee", "bob", "--json", db=db_url).json()["id"]
              for n in range(3)]
    app = build_app(db_url)
    queue = JobQueue(app.store)
    for incident_id in opened:
        queue.enqueue(incident_id, kind="triage", requested_by="ana")
    result = cli("worker", "--once", "--concurrency", "2", db=db_url)
    assert result.code == 0 and "Ran 3 triage job(s) against no SIP server" in result.out, result.err
    for incident_id in opened:
        job = queue.latest(incident_id)
        assert job is not None and job.state == "done" and job.attempts == 1
        assert job.waiting_for == "intake.operational_requirements"
    assert cli("worker", "--once", db=db_url).out.startswith("Ran 0 triage job(s)")
    app.close()
