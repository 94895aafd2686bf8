"""Two `calltriage serve` and two `calltriage worker` processes on one database.

A job queued through one server is visible from the other, runs exactly once, and survives
`kill -9` of the worker running it: its lease expires and the other worker finishes it.
Every wait is for an event, with a generous deadline; nothing is timed.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from calltriage.services.operators import OperatorService
from calltriage.store import Store
from tests.jobs.processes import Blackhole, eventually, processes
from tests.web.conftest import FAST_HASHER

pytestmark = pytest.mark.slow


def operators(db: str) -> dict[str, str]:
    store = Store(db)
    service = OperatorService(store, hasher=FAST_HASHER)
    service.add("ana", "L1", "correct horse battery")
    token = service.issue_token("ana", "tests")[0]
    store.dispose()
    return {"Authorization": f"Bearer {token}"}


class Api:
    def __init__(self, url: str, auth: dict[str, str]) -> None:
        self.url, self.auth = url, auth

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}/api/v1{path}", headers=self.auth, timeout=30, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def job(self, incident_id: int) -> dict[str, Any]:
        return dict(self("GET", f"/incidents/{incident_id}/triage"))


def probed(api: Api, incident_id: int) -> list[tuple[str, Any]]:
    events = api("GET", f"/incidents/{incident_id}")["events"]
    return [(e["node"], e["data"]["result"]["status"]) for e in events if e["kind"] == "probed"]


def test_a_job_queued_on_one_server_shows_on_the_other_and_runs_exactly_once(db_url: str, tmp_path: Path) -> None:
    auth = operators(db_url)
    with processes(db_url, tmp_path) as procs:
        one, two = Api(procs.serve("serve-1"), auth), Api(procs.serve("serve-2"), auth)
        # queued before any worker exists: the servers only queue (--no-worker)
        opened = [one("POST", "/triage", json={"caller": f"user{n}", "callee": "bob"})["incident"] for n in range(6)]
        waiting = two.job(opened[0])
        assert waiting["state"] == "running" and waiting["started_at"] is None  # queued, seen from the other server
        procs.worker("worker-1")
        procs.worker("worker-2")
        for incident_id in opened:
            job = eventually(f"the job of incident {incident_id}",
                             lambda i=incident_id: (j := two.job(i))["state"] == "done" and j)
            assert job["attempts"] == 1 and job["id"] == one.job(incident_id)["id"]
            assert job["waiting_for"] == "intake.operational_requirements"
            # exactly one run: the first check was probed once (no SIP server: it could not run)
            assert probed(one, incident_id) == [("intake.operational_requirements", "error")]
        # every job ran in one of the two worker processes (never in a server: --no-worker)
        ran_by = {one.job(i)["worker"].split(":")[1] for i in opened}
        assert ran_by <= {str(p.pid) for p in procs.started[2:]}


def test_one_serve_runs_its_jobs_itself_by_default(sqlite_db_url: str, tmp_path: Path) -> None:
    auth = operators(sqlite_db_url)
    with processes(sqlite_db_url, tmp_path) as procs:
        desk = Api(procs.serve("serve", worker=True), auth)  # the single-machine default: no worker process
        incident_id = desk("POST", "/triage", json={"caller": "alice", "callee": "bob"})["incident"]
        job = eventually("the embedded worker to run the job", lambda: (j := desk.job(incident_id))["state"] == "done"
                         and j)
        assert job["worker"].split(":")[1] == str(procs.started[0].pid)
        assert probed(desk, incident_id) == [("intake.operational_requirements", "error")]


def server_config(folder: Path, port: int) -> Path:
    path = folder / "server.toml"
    path.write_text(f"""
[server]
domain = "frozen.test"
host = "127.0.0.1"
jsonrpc_url = "http://127.0.0.1:{port}/RPC"
min_client_version = "3.0.0"

[probes]
timeout = 600
""")
    return path


def test_a_job_survives_kill_9_of_its_worker_and_another_worker_finishes_it(db_url: str, tmp_path: Path) -> None:
    auth = operators(db_url)
    frozen = Blackhole()  # the control interface accepts and never answers: the probe waits
    config = server_config(tmp_path, frozen.port)
    try:
        with processes(db_url, tmp_path) as procs:
            procs.env["CALLTRIAGE_CONFIG"] = str(config)
            one, two = Api(procs.serve("serve-1"), auth), Api(procs.serve("serve-2"), auth)
            workers = {str(p.pid): p for p in (procs.worker("worker-1", "--lease", "5"),
                                                procs.worker("worker-2", "--lease", "5"))}
            incident_id = one("POST", "/triage", json={"caller": "alice", "callee": "bob"})["incident"]
            first = eventually("a worker to be inside the probe",
                               lambda: (j := two.job(incident_id))["probe"] == "client.version" and j)
            victim = first["worker"].split(":")[1]
            os.kill(int(victim), signal.SIGKILL)
            workers[victim].wait(30)
            # the lease runs out; the other worker claims the job and is inside the probe again
            again = eventually("another worker to take the job over",
                               lambda: (j := one.job(incident_id))["attempts"] > first["attempts"]
                               and j["probe"] == "client.version" and j, timeout=180)
            assert again["worker"].split(":")[1] != victim and again["state"] == "running"
            frozen.release()  # the control interface goes away: the probe ends with an error, the job is done
            done = eventually("the job to finish", lambda: (j := two.job(incident_id))["state"] != "running" and j)
            assert done["state"] == "done" and done["error"] is None, done
            assert done["waiting_for"] == "intake.operational_requirements"
            # the killed attempt recorded nothing; the surviving one recorded its probe once
            assert probed(one, incident_id) == [("intake.operational_requirements", "error")]
    finally:
        frozen.release()
