"""Benchmark: duplicate virtual numbers among 1,000,000 ``dbaliases`` rows, SQLite and
PostgreSQL - the project's indexed ``GROUP BY ... HAVING`` (``probes.fleet.duplicate_numbers``)
vs fetching every row into Python and counting (the baseline), same data, same run.

    .venv/bin/python bench/bench_duplicates.py [--rows 1000000] [--runs 3] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Data as in perf-anchors §3: 990,000 distinct +1555NNNNNNN numbers plus 10,000 rows reusing one,
shuffled, with Kamailio's schema and its (alias_username, alias_domain) index. PostgreSQL uses a
database of its own (created and dropped here; trust auth on 127.0.0.1:5432). Target <= 0.3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from calltriage.config import ServerSettings  # noqa: E402
from calltriage.probes.fleet import duplicate_numbers  # noqa: E402
from calltriage.probes.kit import ProbeKit  # noqa: E402

SCHEMA = """
CREATE TABLE dbaliases (
    id INTEGER PRIMARY KEY NOT NULL,
    alias_username VARCHAR(64) DEFAULT '' NOT NULL,
    alias_domain VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL
);
"""
# Kamailio's alias_db schema ships this index; created after the bulk load (faster load).
INDEX = "CREATE INDEX dbaliases_alias_idx ON dbaliases (alias_username, alias_domain)"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def rows(n: int) -> list[tuple[int, str, str, str, str]]:
    rng = random.Random(42)
    dup = n // 100
    distinct = [f"+1555{i:07d}" for i in range(n - dup)]
    numbers = distinct + [rng.choice(distinct) for _ in range(dup)]
    rng.shuffle(numbers)
    return [(i + 1, num, "lab.test", f"u{rng.randrange(100000):05d}", "lab.test") for i, num in enumerate(numbers)]


def settings(url: str) -> ServerSettings:
    return ServerSettings(
        server={"domain": "lab.test", "host": "127.0.0.1", "accounts_db_url": url}, probes={"timeout": 60}
    )


def measure(url: str, runs: int, fetch_all: Any) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"group_by": [], "python": []}

    async def ours() -> tuple[float, int]:
        kit = ProbeKit(settings(url))
        try:
            await duplicate_numbers(kit, timeout=60)  # warm: connect, page cache
            t0 = time.perf_counter()
            found = await duplicate_numbers(kit, timeout=60)
            return time.perf_counter() - t0, len(found)
        finally:
            kit.close()

    for run in range(runs):
        dt, found = asyncio.run(ours())
        out["group_by"].append(dt)
        t0 = time.perf_counter()
        counted = sum(1 for c in Counter(fetch_all()).values() if c > 1)
        out["python"].append(time.perf_counter() - t0)
        log(
            f"  run {run + 1}: GROUP BY {dt:.3f} s ({found} numbers), fetch-all+Counter "
            f"{out['python'][-1]:.3f} s ({counted})"
        )
    return out


def bench_sqlite(data: list[tuple[int, str, str, str, str]], runs: int, tmp: Path) -> dict[str, list[float]]:
    path = tmp / "aliases.sqlite"
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    t0 = time.perf_counter()
    con.executemany("INSERT INTO dbaliases VALUES (?,?,?,?,?)", data)
    con.execute(INDEX)
    con.commit()
    con.execute("ANALYZE")
    log(f"SQLite: loaded {len(data)} rows in {time.perf_counter() - t0:.2f} s")

    def fetch_all() -> list[tuple[str, str]]:
        return con.execute("SELECT alias_username, alias_domain FROM dbaliases").fetchall()

    try:
        return measure(f"sqlite:///{path}", runs, fetch_all)
    finally:
        con.close()


def bench_pg(data: list[tuple[int, str, str, str, str]], runs: int, admin_url: str) -> dict[str, list[float]] | None:
    try:
        import psycopg
    except ImportError:
        log("PostgreSQL: psycopg not installed, skipped")
        return None
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"ct_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(plain, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        log(f"PostgreSQL at {plain}: {exc.__class__.__name__}, skipped")
        return None
    admin.execute(f'CREATE DATABASE "{name}"')
    base = plain.rsplit("/", 1)[0]
    try:
        with psycopg.connect(f"{base}/{name}", autocommit=True) as con:
            con.execute(SCHEMA)
            t0 = time.perf_counter()
            with con.cursor().copy(
                "COPY dbaliases (id, alias_username, alias_domain, username, domain) FROM STDIN"
            ) as cp:
                for row in data:
                    cp.write_row(row)
            con.execute(INDEX)
            con.execute("VACUUM ANALYZE dbaliases")
            log(f"PostgreSQL: loaded {len(data)} rows in {time.perf_counter() - t0:.2f} s")

            def fetch_all() -> list[tuple[str, str]]:
                return con.execute("SELECT alias_username, alias_domain FROM dbaliases").fetchall()

            sa_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
            if not sa_url.startswith("postgresql+psycopg://"):
                sa_url = sa_url.replace("postgresql://", "postgresql+psycopg://")
            return measure(sa_url, runs, fetch_all)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    a = ap.parse_args()
    log(f"generating {a.rows} rows ...")
    data = rows(a.rows)
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dups-") as tmp:
        results["SQLite"] = bench_sqlite(data, a.runs, Path(tmp))
    pg = bench_pg(data, a.runs, a.pg)
    if pg is not None:
        results["PostgreSQL"] = pg
    print(f"duplicate virtual numbers in {a.rows} dbaliases rows, median (min-max) of {a.runs} runs")
    print(f"{'backend':<11} {'indexed GROUP BY':>22} {'fetch all + Counter':>22} {'speed-up':>9} {'<=0.3 s':>8}")
    for backend, r in results.items():
        g, p = statistics.median(r["group_by"]), statistics.median(r["python"])
        print(
            f"{backend:<11} {g:>8.3f} ({min(r['group_by']):.3f}-{max(r['group_by']):.3f}) "
            f"{p:>8.3f} ({min(r['python']):.3f}-{max(r['python']):.3f}) {p / g:>8.1f}x "
            f"{'met' if g <= 0.3 else 'NOT met':>8}"
        )


if __name__ == "__main__":
    main()
