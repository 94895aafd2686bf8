"""Benchmark: one CLI command against the cost of importing what any such command needs.

    .venv/bin/python bench/bench_cli.py [--runs 21]

Creates a SQLite database in a temp dir with one open incident, then times, alternately and
in the same run, ``calltriage incident next ID --json`` and the baseline
``python -c "import sqlalchemy, typer"`` (a fresh process each time, wall clock) and prints
the medians and their ratio (target: at most 1.5). Also prints the other commands of an
operator's loop (``incident answer``, ``incident show``), ``playbook list``, and what one
process pays for the seed playbook: parsed with ruamel.yaml, or read from the playbook cache. It writes
nothing but its temp dir, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from calltriage.engine.compiled import spec_to_data
from calltriage.engine.loader import load_playbook

BIN = Path(sys.executable).parent
CALLTRIAGE = str(BIN / "calltriage")
TARGET = 1.5
SEED = Path(__file__).resolve().parents[1] / "playbooks" / "user-cant-call-professional.yaml"
PARSE = ("import sqlalchemy, typer, pathlib\n"
         "from calltriage.engine.loader import load_playbook\n"
         "load_playbook(pathlib.Path({seed!r}), known_probes=None, known_playbooks=None)")
CACHED = ("import sqlalchemy, typer, json\n"
          "from calltriage.engine.compiled import spec_from_data\n"
          "with open({entry!r}, 'rb') as f:\n"
          "    spec_from_data(json.load(f))")


def _time(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    env = {**os.environ, "CALLTRIAGE_DB": str(folder / "bench.sqlite"), "CALLTRIAGE_OPERATOR": "bench"}
    env.pop("CALLTRIAGE_CONFIG", None)
    try:
        subprocess.run([CALLTRIAGE, "init"], check=True, stdout=subprocess.DEVNULL, env=env)
        for _ in range(2):
            subprocess.run([CALLTRIAGE, "incident", "open", "--caller", "alice", "--callee", "bob"], check=True,
                           stdout=subprocess.DEVNULL, env=env)
        entry = folder / "seed.json"
        entry.write_text(json.dumps(spec_to_data(load_playbook(SEED, known_probes=None, known_playbooks=None))))
        cases = {
            "baseline: python -c 'import sqlalchemy, typer'": [sys.executable, "-c", "import sqlalchemy, typer"],
            "calltriage incident next 1 --json": [CALLTRIAGE, "incident", "next", "1", "--json"],
            "calltriage incident show 1 --json": [CALLTRIAGE, "incident", "show", "1", "--json"],
            "calltriage playbook list --json": [CALLTRIAGE, "playbook", "list", "--json"],
            # what the playbook cache saves each process: the YAML parse (with line numbers)
            "baseline + ruamel parse of the seed playbook": [sys.executable, "-c", PARSE.format(seed=str(SEED))],
            "baseline + the seed playbook from the cache": [sys.executable, "-c", CACHED.format(entry=str(entry))],
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for argv in cases.values():  # warm the OS caches (and the playbook cache) once
            _time(argv, env)
        for _ in range(args.runs):
            for name, argv in cases.items():
                samples[name].append(_time(argv, env))
        # answering changes the incident: measured on its own incident, one answer per run
        answers = ["met", "none"] * args.runs
        samples["calltriage incident answer 2 OUTCOME"] = [
            _time([CALLTRIAGE, "incident", "answer", "2", a, "--json"], env) for a in answers[:2]]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    base = statistics.median(samples["baseline: python -c 'import sqlalchemy, typer'"])
    print(f"{'command':<50} {'median ms':>10} {'vs baseline':>12}")
    for name, values in samples.items():
        med = statistics.median(values)
        print(f"{name:<50} {med * 1000:>10.0f} {med / base:>11.2f}x")
    ratio = statistics.median(samples["calltriage incident next 1 --json"]) / base
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"incident next / baseline = {ratio:.2f} (target <= {TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
