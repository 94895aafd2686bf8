"""Web benchmark: requests/s and latency of the L1 queue page and GET /api/v1/incidents/{id}
with 100,000 incidents stored, on SQLite and PostgreSQL, against a baseline on the same server.

    .venv/bin/python bench/bench_web.py [--incidents 100000] [--seconds 10] [--connections 8]
                                        [--backends sqlite,postgresql] [--workers 1,2]

Seeding: ten real incidents are walked through the services (every state the desk shows:
open at L1/L2/L3, closed, handed off, with probe evidence), then copied 100,000 times with
SQLAlchemy core bulk inserts (varied parties, operators and times). The server is a
`calltriage serve` subprocess; load comes from `wrk` (Debian package) on the same machine,
so client and server share the 2 cores. The baseline is `/healthz` on the same server (no
database), so every row is also a ratio to the framework's own cost measured in the same run.
``--workers 1,2`` measures each worker count against the same seeded database (a fresh server
for each, with its own baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, text

from calltriage.services.context import build_app
from calltriage.services.operators import OperatorService
from calltriage.store import Store
from calltriage.store.models import Event, Incident
from calltriage.web.demo import seed_demo

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "calltriage"
PG_ADMIN = os.environ.get("CALLTRIAGE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench-password-123"
# How often each demo story (web/demo.py STORIES, same order) appears among the copies.
WEIGHTS = [10, 8, 7, 5, 5, 3, 20, 15, 17, 10]
RANDOM_ID_LUA = """
math.randomseed(42)
request = function()
  return wrk.format(nil, "/api/v1/incidents/" .. math.random(1, {n}))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def templates(work: Path) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The demo's incidents, walked through the real services on a scratch database."""
    url = f"sqlite:///{work / 'templates.sqlite'}"
    Store(url).upgrade()
    services = build_app(url)
    seed_demo(services)
    out = []
    with services.store.read() as session:
        for incident in session.scalars(select(Incident).order_by(Incident.id)):
            row = {c.name: getattr(incident, c.name) for c in Incident.__table__.columns}
            events = [{c.name: getattr(e, c.name) for c in Event.__table__.columns}
                      for e in session.scalars(select(Event).where(Event.incident_id == incident.id)
                                               .order_by(Event.seq))]
            out.append((row, events))
    services.close()
    return out


def seed(url: str, count: int, work: Path) -> None:
    store = Store(url)
    store.upgrade()
    services = build_app(url)
    services.catalog.pin(services.catalog.current("user-cant-call-professional"))
    stories = templates(work)
    rng = random.Random(7)
    names = {"ana": [f"l1op{n:02d}" for n in range(20)], "ben": [f"l2op{n}" for n in range(6)],
             "cy": [f"l3op{n}" for n in range(3)], "probe": ["probe"]}
    now = datetime.now(UTC)
    started = time.perf_counter()
    incidents: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    event_id = 0

    def flush() -> None:
        with store.engine.begin() as conn:
            if incidents:
                conn.execute(insert(Incident), incidents)
            if events:
                conn.execute(insert(Event), events)
        incidents.clear()
        events.clear()

    for number in range(1, count + 1):
        row, timeline = rng.choices(stories, weights=WEIGHTS)[0]
        opened = now - timedelta(seconds=rng.randint(600, 90 * 86400))
        cast = {k: rng.choice(v) for k, v in names.items()}
        caller, callee = f"user{rng.randint(1, 20000)}", f"user{rng.randint(1, 20000)}"
        stretch = rng.uniform(20, 400)  # demo steps happen within a second: spread them over minutes
        base = row["opened_at"]

        def at(value: datetime, base: datetime = base, opened: datetime = opened, stretch: float = stretch) -> datetime:
            return opened + (value - base) * stretch

        incidents.append({**row, "id": number, "caller": caller, "callee": callee, "reporter": cast["ana"],
                          "opened_at": opened, "updated_at": at(row["updated_at"]),
                          "closed_at": at(row["closed_at"]) if row["closed_at"] else None})
        for event in timeline:
            event_id += 1
            events.append({**event, "id": event_id, "incident_id": number, "at": at(event["at"]),
                           "actor": cast.get(event["actor"], event["actor"])})
        if len(events) >= 20_000:
            flush()
    flush()
    if not store.is_sqlite:
        with store.engine.begin() as conn:
            conn.execute(text("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))"))
            conn.execute(text("SELECT setval('events_id_seq', (SELECT max(id) FROM events))"))
            conn.execute(text("ANALYZE"))
    else:
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"  seeded {count:,} incidents and {event_id:,} events in {time.perf_counter() - started:.1f} s",
          flush=True)
    operators = OperatorService(store)
    operators.add("ana", "L1", PASSWORD)
    services.close()
    store.dispose()


def token_for(url: str) -> str:
    store = Store(url)
    try:
        return OperatorService(store).issue_token("ana", "bench")[0]
    finally:
        store.dispose()


def wrk(base: str, path: str, seconds: int, connections: int, headers: dict[str, str],
        script: Path | None = None) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for key, value in headers.items():
        cmd += ["-H", f"{key}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, base + path], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p: str) -> float:
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert m, out
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * factor

    return {"rps": rate, "p50": pct("50"), "p99": pct("99"), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}  # type: ignore[dict-item]


def run_backend(backend: str, args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Seed one database, then measure it with each worker count."""
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite:///{work / 'bench.sqlite'}"
    else:
        import psycopg

        pg_name = f"ct_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0] + f"/{pg_name}"
    print(f"{backend}:", flush=True)
    try:
        seed(url, args.incidents, work)
        token = token_for(url)
        rows = []
        for workers in [int(w) for w in str(args.workers).split(",")]:
            rows += measure(backend, url, token, workers, args, work)
        return rows
    finally:
        if pg_name:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def measure(backend: str, url: str, token: str, workers: int, args: argparse.Namespace,
            work: Path) -> list[dict[str, Any]]:
    server = None
    print(f"  {workers} worker(s):", flush=True)
    try:
        port = free_port()
        env = {**os.environ, "CALLTRIAGE_DATA_DIR": str(work), "CALLTRIAGE_WEBHOOK_URLS": ""}
        server = subprocess.Popen([str(EXE), "--db", url, "serve", "--port", str(port), "--workers",
                                   str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            page = client.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            client.post("/login", data={"name": "ana", "password": PASSWORD, "csrf": csrf})
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            assert "/incidents/" in client.get("/queue/open").text, "the queue page shows no incidents"
        script = work / "random_id.lua"
        script.write_text(RANDOM_ID_LUA.replace("{n}", str(args.incidents)))
        cases = [("baseline GET /healthz", "/healthz", {}, None),
                 ("L1 queue page GET /queue/open", "/queue/open", {"Cookie": cookie}, None),
                 ("GET /api/v1/incidents/{id}", "/api/v1/incidents/1", {"Authorization": f"Bearer {token}"}, script)]
        rows = []
        for label, path, headers, lua in cases:
            wrk(base, path, 2, args.connections, headers, lua)  # warm-up (caches, pools, page cache)
            result = wrk(base, path, args.seconds, args.connections, headers, lua)
            rows.append({"backend": backend, "workers": workers, "case": label, **result})
            print(f"    {label:<34} {result['rps']:>8.0f} req/s  p50 {result['p50']:>6.1f} ms  "
                  f"p99 {result['p99']:>6.1f} ms  non-2xx {result['non_2xx']}", flush=True)
        baseline = rows[0]["rps"]
        for row in rows:
            row["ratio_to_baseline"] = round(row["rps"] / baseline, 3) if baseline else None
        return rows
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="Worker counts to measure, comma-separated.")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json", dest="json_out", help="Also write the rows to this JSON file.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt install wrk")
    print(f"calltriage web benchmark: {args.incidents:,} incidents, wrk -t1 -c{args.connections} "
          f"-d{args.seconds}s, workers {args.workers}, {os.cpu_count()} CPUs", flush=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ct-bench-web-") as tmp:
        for backend in args.backends.split(","):
            rows += run_backend(backend.strip(), args, Path(tmp))
    print("\n| backend | workers | request | req/s | p50 ms | p99 ms | vs /healthz |\n|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['backend']} | {row['workers']} | {row['case']} | {row['rps']:.0f} | {row['p50']:.1f} | "
              f"{row['p99']:.1f} | {row['ratio_to_baseline']:.2f} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
