"""Benchmark: OPTIONS liveness sweep rate - the project's sweep (UDP, a window in flight, 8 MB
SO_RCVBUF) vs SIPp (`-buff_size 8388608`, open loop) against the same private lab, same run.

    .venv/bin/python bench/bench_options.py [--requests 40000] [--runs 3]

SIPp's baseline is its best loss-free rate (no retransmission, every call successful) over a
ladder of target rates; the sweep's is its answered/s with no loss. Target: the sweep's rate
>= SIPp's loss-free rate (~20k/s on an idle 2-core box, perf-anchors §1.1).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from calltriage.sip.sweep import options_sweep  # noqa: E402
from calltriage_lab import KamailioLab  # noqa: E402
from calltriage_lab.process import Launch  # noqa: E402

SIPP_OPTIONS = ROOT / "lab" / "src" / "calltriage_lab" / "sipp" / "options.xml"


class BenchLab(KamailioLab):
    """4 UDP workers as in perf-anchors §1 (the lab's default is 1, to serialise SQLite acc writes,
    which OPTIONS to the server never touch)."""

    def _launch(self) -> Launch:
        launch = super()._launch()
        return dataclasses.replace(launch, defines=(*launch.defines, "WORKERS=4"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sipp_run(lab: KamailioLab, rate: int, n: int, work: Path) -> tuple[float, int, int, int]:
    """(answered/s, successful, failed, retransmissions) from SIPp's final stat line."""
    stat = work / f"sipp-{rate}.csv"
    stat.unlink(missing_ok=True)
    subprocess.run(
        [
            "sipp",
            f"127.0.0.1:{lab.sip_port}",
            "-sf",
            str(SIPP_OPTIONS),
            "-key",
            "domain",
            lab.domain,
            "-key",
            "user_agent",
            "bench-sipp",
            "-i",
            "127.0.0.1",
            "-p",
            "0",
            "-m",
            str(n),
            "-r",
            str(rate),
            "-l",
            "5000",
            "-timeout",
            "100s",
            "-nostdin",
            "-buff_size",
            "8388608",
            "-trace_stat",
            "-stf",
            str(stat),
            "-fd",
            "60",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    rows = list(csv.reader(stat.open(), delimiter=";"))
    last = dict(zip(rows[0], rows[-1], strict=False))

    def epoch(key: str) -> float:
        return float(last[key].split("\t")[-1])

    ok, failed = int(last["SuccessfulCall(C)"]), int(last["FailedCall(C)"])
    elapsed = epoch("CurrentTime") - epoch("StartTime")
    return ok / elapsed if elapsed > 0 else 0.0, ok, failed, int(last["Retransmissions(C)"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=40_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rates", default="5000,10000,15000,20000,25000")
    ap.add_argument("--windows", default="10,50,200")
    a = ap.parse_args()
    rates = [int(x) for x in a.rates.split(",")]
    windows = [int(x) for x in a.windows.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-options-") as tmp:
        work = Path(tmp)
        lab = BenchLab(work / "lab")
        lab.start()
        try:
            sipp: dict[int, list[tuple[float, int, int, int]]] = {r: [] for r in rates}
            ours: dict[int, list[tuple[float, int, int]]] = {w: [] for w in windows}
            for run in range(a.runs):
                for rate in rates:
                    r = sipp_run(lab, rate, a.requests, work)
                    sipp[rate].append(r)
                    log(f"run {run + 1}: SIPp -r {rate}: {r[0]:.0f}/s ok={r[1]} failed={r[2]} retrans={r[3]}")
                for w in windows:
                    res = asyncio.run(
                        options_sweep(
                            "127.0.0.1",
                            lab.sip_port,
                            count=a.requests,
                            window=w,
                            progress=lambda s: log(f"  ... {s.answered} answered"),
                        )
                    )
                    ours[w].append((res.rate, res.lost, res.retransmitted))
                    log(
                        f"run {run + 1}: sweep window {w}: {res.rate:.0f}/s lost={res.lost} retrans={res.retransmitted}"
                    )
        finally:
            lab.cleanup()

    print(f"OPTIONS sweep, {a.requests} requests per run, {a.runs} runs, median (min-max) answered/s")
    best_sipp = 0.0
    for rate, runs in sipp.items():
        vals = [x[0] for x in runs]
        clean = all(x[2] == 0 and x[3] == 0 and x[1] == a.requests for x in runs)
        med = statistics.median(vals)
        if clean:
            best_sipp = max(best_sipp, med)
        print(
            f"SIPp -r {rate:<6} {med:>8.0f} ({min(vals):.0f}-{max(vals):.0f})  "
            f"{'loss-free' if clean else 'retransmissions/failures'}"
        )
    best_ours = 0.0
    for w, runs in ours.items():
        vals = [x[0] for x in runs]
        clean = all(x[1] == 0 and x[2] == 0 for x in runs)
        med = statistics.median(vals)
        if clean:
            best_ours = max(best_ours, med)
        print(
            f"sweep window {w:<4} {med:>8.0f} ({min(vals):.0f}-{max(vals):.0f})  "
            f"{'loss-free' if clean else 'losses/retransmissions'}"
        )
    ratio = best_ours / best_sipp if best_sipp else float("nan")
    print(
        f"best loss-free: sweep {best_ours:.0f}/s vs SIPp {best_sipp:.0f}/s -> ratio {ratio:.2f}x "
        f"(target >= 1.0: {'met' if ratio >= 1.0 else 'NOT met'})"
    )
    top_sipp = max(statistics.median([x[0] for x in runs]) for runs in sipp.values())
    top_ours = max(statistics.median([x[0] for x in runs]) for runs in ours.values())
    print(
        f"best answered/s regardless of loss: sweep {top_ours:.0f}/s vs SIPp {top_sipp:.0f}/s "
        f"-> ratio {top_ours / top_sipp:.2f}x"
    )


if __name__ == "__main__":
    main()
