"""Benchmark: probe time to verdict per scenario, through ``ProbeRunner`` against a private lab.

    .venv/bin/python bench/bench_probes.py [--runs 7]

Baselines measured in the same run:
* the floor of a server-side question: one JSON-RPC ``core.uptime`` with stdlib urllib;
* the test call as the lab's research recommended it: a pjsua2 agent process that registers
  and calls (lab.md §5.1), against ``services.server``'s in-process test call.
Every probe row prints its median and its ratio to the JSON-RPC floor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.lab_fixtures import LAB_CAST, provision_cast  # noqa: E402
from tests.probes.conftest import settings_for  # noqa: E402
from tests.probes.helpers import call, register  # noqa: E402

from calltriage.probes.base import Party, ProbeContext  # noqa: E402
from calltriage.probes.runner import ProbeRunner  # noqa: E402
from calltriage_lab import KamailioLab  # noqa: E402


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def timed(fn: Callable[[], object], runs: int) -> tuple[list[float], object]:
    out: list[float] = []
    last: object = None
    for _ in range(runs):
        t0 = time.perf_counter()
        last = fn()
        out.append(time.perf_counter() - t0)
    return out, last


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    rows: list[tuple[str, str, list[float]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-probes-") as tmp:
        lab = KamailioLab(Path(tmp) / "lab")
        lab.start()
        expired = KamailioLab(Path(tmp) / "expired", certificate="expired")
        expired.start()
        bob = None
        try:
            provision_cast(lab)
            s = settings_for(lab, timeout=5)
            s_expired = settings_for(expired, timeout=5)
            floor, _ = timed(lambda: lab.rpc("core.uptime"), a.runs * 3)
            log(f"JSON-RPC floor {statistics.median(floor) * 1000:.2f} ms")

            from calltriage_lab.agents import UserAgent, pjsua2_available

            if pjsua2_available():

                def pjsua_call() -> object:
                    with UserAgent(lab, "svc-a", LAB_CAST["svc-a"][0]) as caller:
                        caller.register()
                        return caller.call("bob", timeout=5)

                bob = UserAgent(lab, "bob", LAB_CAST["bob"][0]).start()
                bob.register()
                pj, _ = timed(pjsua_call, max(3, a.runs // 2))
                rows.append(("baseline: pjsua2 agent process, register + call + hang-up", "answered", pj))
                log(f"pjsua2 call {statistics.median(pj) * 1000:.1f} ms")

            register(lab, "alice", "tls", user_agent="PrivateGSM/3.1.0 (Android)")
            since = datetime.now(UTC)
            call(lab, "alice", "carol", "udp")  # a failed attempt (480) for the call probes
            ctx = ProbeContext(Party("caller", "alice"), Party("callee", "bob"), s, since=since, wait=5)
            stale = ProbeContext(Party("caller", "alice"), Party("callee", "carol"), s)
            with ProbeRunner() as runner:
                scenarios: list[tuple[str, str, ProbeContext, dict[str, str]]] = [
                    ("registrar.registration", "caller registered", ctx, {"account": "caller"}),
                    ("registrar.registration", "callee never registered", stale, {"account": "callee"}),
                    ("client.version", "supported client", ctx, {"account": "caller"}),
                    ("registrar.reconnection", "REGISTER already there", ctx, {"account": "caller"}),
                    ("calls.test_call", "one failed attempt (480)", ctx, {"account": "caller"}),
                    ("calls.to_callee", "attempt to carol", stale, {"account": "caller", "target": "callee"}),
                    ("directory.client_config", "correct settings", ctx, {"account": "caller"}),
                    ("directory.remote_party", "no conflict", ctx, {"account": "callee"}),
                    ("sip.callee_liveness", "device answers OPTIONS", ctx, {"account": "callee"}),
                    ("network.server", "healthy", ctx, {}),
                    (
                        "network.server",
                        "expired certificate",
                        ProbeContext(Party("caller", "alice"), Party("callee", "bob"), s_expired),
                        {},
                    ),
                    ("services.server", "healthy, real test call", ctx, {}),
                ]
                if bob is None:
                    scenarios = [x for x in scenarios if x[0] != "sip.callee_liveness"]
                for name, scenario, c, params in scenarios:
                    runner.run(name, c, params)  # warm: connections, imports
                    times, result = timed(lambda n=name, c=c, p=params: runner.run(n, c, p), a.runs)
                    status = getattr(result, "status", "?")
                    rows.append((f"{name} ({scenario})", str(getattr(status, "value", status)), times))
                    log(f"{name} ({scenario}): {statistics.median(times) * 1000:.2f} ms {status}")
        finally:
            if bob is not None:
                bob.vanish()
            lab.cleanup()
            expired.cleanup()
    base = statistics.median(floor)
    print(
        f"probe time to verdict, median (min-max) of {a.runs} runs; floor = one JSON-RPC core.uptime "
        f"via urllib = {base * 1000:.2f} ms"
    )
    print(f"{'probe (scenario)':<66} {'verdict':<8} {'median ms':>10} {'min-max ms':>16} {'x floor':>8}")
    for label, verdict, times in rows:
        med = statistics.median(times)
        print(
            f"{label:<66} {verdict:<8} {med * 1000:>10.2f} {min(times) * 1000:>7.2f}-{max(times) * 1000:<8.2f} "
            f"{med / base:>7.1f}x"
        )


if __name__ == "__main__":
    main()
