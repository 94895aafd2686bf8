"""Benchmark: full client-log analysis (parse, transactions, signatures) against `grep -c`.

    .venv/bin/python bench/bench_clientlog.py [--mib 200] [--runs 3]

Builds a ~200 MiB PJSIP log in a temp dir from the real PJSIP logs in tests/clientlog/data (each
repetition gets fresh Call-IDs, CSeqs, branches and later timestamps), times GNU
`grep -c 'SIP/2.0 401'` over the file and `analyze()` over the same text in the same run, and
prints MB/s and the ratio. It writes nothing but its temp dir, removed at the end.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from calltriage.clientlog import analyze  # noqa: E402
from calltriage.clientlog.upload import prepare_upload  # noqa: E402

DATA = ROOT / "tests" / "clientlog" / "data"
# How often each real scenario appears in the synthetic log: mostly healthy apps.
MIX = {
    "pjsip_call_ok.log": 12,
    "pjsip_unregistered_callee.log": 2,
    "pjsip_callee_stale.log": 1,
    "pjsip_wrong_password.log": 1,
    "pjsip_account_disabled.log": 1,
    "pjsip_tls_expired.log": 1,
    "pjsip_server_down.log": 1,
}
_IDS = re.compile(r"(Call-ID: |cseq=|CSeq: |branch=z9hG4bK|tag=)([\w.+-]+)")
_TIME = re.compile(r"^(?:\d{4}-\d\d-\d\d )?\d\d:\d\d:(\d\d)\.(\d{3})", re.M)


def _templates() -> list[str]:
    out: list[str] = []
    for name, weight in MIX.items():
        text = (DATA / name).read_bytes().decode("utf-8").replace("\r\n", "\n")
        out.extend([text] * weight)
    return out


def _fresh_ids(template: str, rep: int) -> str:
    """The template with new Call-IDs, tags, branches and CSeqs, and minutes shifted by ``rep``."""
    suffix = f"{rep:x}"

    def ids(m: re.Match[str]) -> str:
        if m.group(1) in ("cseq=", "CSeq: "):
            return m.group(1) + str((int(m.group(2)) + rep) % 65536)
        return m.group(1) + m.group(2) + suffix

    minute = f"{(rep // 60) % 60:02d}:"
    return _TIME.sub(lambda m: m.group(0)[:-9] + minute + m.group(0)[-6:], _IDS.sub(ids, template))


def build_log(path: Path, mib: int) -> int:
    """Write the synthetic log; return its size in bytes."""
    target = mib * 1024 * 1024
    templates = _templates()
    written, rep = 0, 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        while written < target:
            for template in templates:
                rep += 1
                block = _fresh_ids(template, rep)
                fh.write(block)
                written += len(block)
                if written >= target:
                    break
    return path.stat().st_size


def _interleaved(runs: int, **fns: Callable[[], object]) -> dict[str, list[float]]:
    """Run each function ``runs`` times, alternating, so that load from other processes on the
    machine hits every candidate alike; return the times per function."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    grep = shutil.which("grep")
    if grep is None:
        sys.exit("GNU grep not found")
    with tempfile.TemporaryDirectory(prefix="bench-clientlog-") as tmp:
        path = Path(tmp) / "pjsip.log"
        t0 = time.perf_counter()
        size = build_log(path, args.mib)
        print(f"generated {size / 1e6:.1f} MB of PJSIP log in {time.perf_counter() - t0:.1f} s")
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        env = {"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"}
        grep_count = subprocess.run([grep, "-c", "SIP/2.0 401", str(path)], capture_output=True, text=True,
                                    check=True, env=env).stdout.strip()  # also warms the page cache
        summary = analyze(text).to_dict()
        times = _interleaved(
            args.runs,
            grep=lambda: subprocess.run([grep, "-c", "SIP/2.0 401", str(path)], capture_output=True, check=True,
                                        env=env),
            analyze=lambda: analyze(text),
        )
        upload = _interleaved(1, upload=lambda: prepare_upload("pjsip.log", raw, max_bytes=len(raw) + 1))
        upload_s = upload["upload"][0]
        mb = size / 1e6
        g_min, g_med = min(times["grep"]), statistics.median(times["grep"])
        a_min, a_med = min(times["analyze"]), statistics.median(times["analyze"])
        print(f"grep -c 'SIP/2.0 401'  min {g_min:.3f} s ({mb / g_min:7.1f} MB/s)  median {g_med:.3f} s"
              f"  -> {grep_count} lines")
        print(f"analyze()              min {a_min:.3f} s ({mb / a_min:7.1f} MB/s)  median {a_med:.3f} s"
              f"  -> {summary['messages']} messages, {summary['transactions']['total']} transactions, "
              f"{len(summary['findings'])} findings")
        print(f"speed ratio analyze/grep: {g_min / a_min:.2f} (min), {g_med / a_med:.2f} (median); target >= 0.25")
        print(f"prepare_upload() (checks + redaction, not in the ratio): {upload_s:.3f} s ({mb / upload_s:.1f} MB/s)")


if __name__ == "__main__":
    main()
