"""`calltriage worker`: run the triage jobs that `serve` queues, from the shared database."""

from __future__ import annotations

import signal
import threading

import typer

from calltriage.cli.common import app_for, echo, server_for


def worker(
    concurrency: int = typer.Option(2, "--concurrency", min=1, max=64,
                                    help="Jobs run at once by this process (each is one incident's probes)."),
    once: bool = typer.Option(False, "--once", help="Run the jobs queued now, then exit."),
    config: str = typer.Option(None, "--config", help="Server configuration TOML (default: $CALLTRIAGE_CONFIG)."),
    max_wait: float = typer.Option(None, "--max-wait", help="Cap, in seconds, on waiting for the user's action."),
    lease: float = typer.Option(30.0, "--lease", min=1.0, max=3600.0,
                                help="Seconds a job stays this worker's without a heartbeat; then another "
                                     "worker takes it over."),
    poll: float = typer.Option(1.0, "--poll", min=0.05, max=60.0, help="Seconds between looks at an empty queue."),
) -> None:
    """Run triage jobs (probes) from the database; any number of workers may share one database."""
    from calltriage.services.worker import Worker
    from calltriage.store.jobqueue import JobQueue

    app = app_for()
    settings = server_for(config)
    queue = JobQueue(app.store, lease=lease)
    runner = Worker(app.incidents, queue, settings, concurrency=concurrency, max_wait=max_wait, poll=poll)
    where = f"{settings.server.domain} at {settings.server.host}" if settings is not None else "no SIP server"
    if once:
        done = runner.run_pending()
        runner.close()
        app.close()
        echo(f"Ran {done} triage job(s) against {where}.")
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    echo(f"Triage worker {runner.name}: {concurrency} at a time, probes ask {where}, database "
         f"{app.store.safe_url}.")
    runner.start()
    while not stop.wait(1.0):
        pass
    runner.close()
    app.close()
    echo("Triage worker stopped; jobs it was still running went back to the queue for another worker.")
