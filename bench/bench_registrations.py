"""Benchmark: registration status of N accounts (default 10,000) - one ``ul.dump`` + parse vs
one ``ul.lookup`` per account, both with the project's JSON-RPC client, same lab, same run.

    .venv/bin/python bench/bench_registrations.py [--accounts 10000] [--runs 5]

Starts a private lab (temp dir, loopback), inserts N subscribers, registers all of them with
SIPp (`reg.xml`, UDP, lab.md §8; the lab cfg already raises `tcp_conn_wq_max`, without which a
5 MB dump is truncated), then times both methods. Target: dump + parse <= 0.5 s for 10k.
Progress on stderr; the result table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.probes.conftest import settings_for  # noqa: E402

from calltriage.backends.kamailio.jsonrpc import JsonRpcClient, RpcFault  # noqa: E402
from calltriage.probes.fleet import dump_registrations, registered_aors  # noqa: E402
from calltriage.probes.kit import ProbeKit  # noqa: E402
from calltriage_lab import KamailioLab  # noqa: E402
from calltriage_lab.process import Launch  # noqa: E402

SIPP_REG = ROOT / "lab" / "src" / "calltriage_lab" / "sipp" / "reg.xml"


class BigLab(KamailioLab):
    """The lab sized as lab.md §8 / perf-anchors measured it: 512 MB shared memory and 4 UDP +
    4 TCP workers (the lab's default is 1 each, to serialise its SQLite acc writes)."""

    def _launch(self) -> Launch:
        launch = super()._launch()
        return dataclasses.replace(launch, shm_mb=512, defines=(*launch.defines, "WORKERS=4"))


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def provision(lab: KamailioLab, n: int, work: Path) -> Path:
    con = sqlite3.connect(lab.db.path)
    con.executemany(
        "INSERT INTO subscriber(username, domain, password) VALUES (?, ?, ?)",
        ((f"u{i:05d}", lab.domain, f"pw{i}") for i in range(n)),
    )
    con.commit()
    con.close()
    csv = work / "users.csv"
    with csv.open("w") as f:
        f.write("SEQUENTIAL\n")
        for i in range(n):
            f.write(f"u{i:05d};[authentication username=u{i:05d} password=pw{i}];3600;5099\n")
    return csv


def register_all(lab: KamailioLab, csv: Path, n: int, work: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [
            "sipp",
            f"127.0.0.1:{lab.sip_port}",
            "-sf",
            str(SIPP_REG),
            "-inf",
            str(csv),
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
            "5000",
            "-l",
            "500",
            "-timeout",
            "110s",
            "-nostdin",
            "-buff_size",
            "8388608",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    return time.perf_counter() - t0


async def by_dump(kit: ProbeKit) -> tuple[float, int]:
    t0 = time.perf_counter()
    regs = await dump_registrations(kit, timeout=30)
    return time.perf_counter() - t0, sum(1 for c in regs.values() if c)


async def by_lookups(rpc: JsonRpcClient, n: int, concurrency: int) -> tuple[float, int]:
    names = [f"u{(i * 7919) % n:05d}" for i in range(n)]
    found = 0
    queue = iter(names)

    async def worker() -> None:
        nonlocal found
        for name in queue:
            try:
                r = await rpc.call("ul.lookup", "location", name, timeout=5)
                found += bool(r.get("Contacts"))
            except RpcFault:
                pass

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-reg-") as tmp:
        work = Path(tmp)
        lab = BigLab(work / "lab")
        lab.start()
        try:
            log(f"provisioning {a.accounts} subscribers ...")
            csv = provision(lab, a.accounts, work)
            log("registering them with SIPp ...")
            wall = register_all(lab, csv, a.accounts, work)
            registered = int(lab.statistics().get("usrloc:registered_users", "0"))
            log(f"SIPp registered {registered} in {wall:.2f} s")
            settings = settings_for(lab, timeout=30)

            async def measure() -> dict[str, list[float]]:
                kit = ProbeKit(settings)
                out: dict[str, list[float]] = {"dump": [], "rpc": [], "brief": [], "lookup1": [], "lookup20": [],
                                               "fifo": []}
                fifo_settings = settings.model_copy(deep=True)
                fifo_settings.server.jsonrpc_url = f"fifo://{Path(lab.dir) / 'run' / 'kamailio_rpc.fifo'}"
                fifo_kit = ProbeKit(fifo_settings)
                try:
                    rpc = kit.backend.rpc  # type: ignore[attr-defined]
                    assert rpc is not None
                    for run in range(a.runs):
                        t0 = time.perf_counter()
                        await rpc.call("ul.dump", timeout=30)
                        out["rpc"].append(time.perf_counter() - t0)
                        dt, live = await by_dump(kit)
                        out["dump"].append(dt)
                        log(f"run {run + 1}: ul.dump + parse {dt:.3f} s ({live} registered)")
                        t0 = time.perf_counter()
                        names = await registered_aors(kit, timeout=30)
                        out["brief"].append(time.perf_counter() - t0)
                        log(f"run {run + 1}: ul.dump brief + parse {out['brief'][-1]:.3f} s ({len(names)} AORs)")
                        dt, live = await by_dump(fifo_kit)
                        out["fifo"].append(dt)
                        log(f"run {run + 1}: ul.dump over the FIFO + parse {dt:.3f} s ({live} registered)")
                    for run in range(max(1, a.runs // 2)):
                        dt, found = await by_lookups(rpc, a.accounts, 1)
                        out["lookup1"].append(dt)
                        log(f"run {run + 1}: {a.accounts} x ul.lookup (1 at a time) {dt:.3f} s ({found} found)")
                        dt, found = await by_lookups(rpc, a.accounts, 20)
                        out["lookup20"].append(dt)
                        log(f"run {run + 1}: {a.accounts} x ul.lookup (20 at a time) {dt:.3f} s ({found} found)")
                finally:
                    kit.close()
                    fifo_kit.close()
                return out

            res = asyncio.run(measure())
        finally:
            lab.cleanup()
    dump = statistics.median(res["dump"])
    l1 = statistics.median(res["lookup1"])
    l20 = statistics.median(res["lookup20"])
    print(f"registration status of {a.accounts} accounts ({registered} registered by SIPp in {wall:.2f} s)")
    print(f"{'method':<44} {'median s':>9} {'min-max':>15} {'vs dump':>8}")
    for label, vals, med in (
        ("one ul.dump + parse (calltriage)", res["dump"], dump),
        ("one ul.dump brief + parse (names only)", res["brief"], statistics.median(res["brief"])),
        ("one ul.dump over the FIFO + parse (on-server)", res["fifo"], statistics.median(res["fifo"])),
        ("ul.lookup per account, 1 connection at a time", res["lookup1"], l1),
        ("ul.lookup per account, 20 concurrent", res["lookup20"], l20),
    ):
        print(f"{label:<44} {med:>9.3f} {min(vals):>7.3f}-{max(vals):<7.3f} {med / dump:>7.1f}x")
    print(f"(of which the RPC alone, request to last byte: {statistics.median(res['rpc']):.3f} s)")
    fifo = statistics.median(res["fifo"])
    verdict = {True: "met", False: "NOT met"}
    print(f"target dump <= 0.5 s: HTTP {verdict[dump <= 0.5]}, FIFO {verdict[fifo <= 0.5]}")


if __name__ == "__main__":
    main()
