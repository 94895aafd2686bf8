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


def build_log(path: Path, mib: int) -> int:
    """Write the synthetic log; return its size in bytes."""
    target = mib * 1024 * 1024
    templates = _templates()
    written, rep = 0, 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        while written < target:
            for tpl in templates:
                rep += 1
                suffix = f"{rep:x}"

                def ids(m: re.Match[str], suffix: str = suffix) -> str:
                    value = m.group(2)
                    if m.group(1) in ("cseq=", "CSeq: "):
                        return m.group(1) + str((int(value) + 7 * len(suffix) + rep) % 65536)
                    return m.group(1) + value + suffix

                minute = (rep // 60) % 60
                block = _TIME.sub(lambda m, minute=minute: m.group(0)[:-9] + f"{minute:02d}:{m.group(1)}.{m.group(2)}",
                                  _IDS.sub(ids, tpl))
                fh.write(block)
                written += len(block)
                if written >= target:
                    break
    return path.stat().st_size


def _time(fn: object, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    grep = shutil.which("grep")
    if grep is None:
        sys.exit("GNU grep not found")
    with tempfile.TemporaryDirectory(prefix="bench-clientlog-") as tmp:
        path = Path(tmp) / "pjsip.log"
        t0 = time.perf_counter()
        size = build_log(path, args.mib)
        print(f"generated {size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f} s")
        raw = path.read_bytes()
        text = raw.decode("utf-8")

        def run_grep() -> str:
            return subprocess.run([grep, "-c", "SIP/2.0 401", str(path)], capture_output=True, text=True,
                                  check=True, env={"LC_ALL": "C.UTF-8"}).stdout.strip()

        run_grep()  # warm the page cache
        t_grep, count = _time(run_grep, args.runs)
        t_an, analysis = _time(lambda: analyze(text), args.runs)
        t_up, _ = _time(lambda: prepare_upload("pjsip.log", raw, max_bytes=len(raw) + 1), 1)
        mb = size / 1e6
        summary = analysis.to_dict()  # type: ignore[attr-defined]
        print(f"grep -c 'SIP/2.0 401': {t_grep:.3f} s  {mb / t_grep:8.1f} MB/s  (count {count})")
        print(f"analyze():              {t_an:.3f} s  {mb / t_an:8.1f} MB/s  "
              f"({summary['messages']} messages, {summary['transactions']['total']} transactions, "
              f"{len(summary['findings'])} findings)")
        print(f"ratio analyze/grep speed: {t_grep / t_an:.2f}  (target >= 0.25)")
        print(f"prepare_upload() (checks + redaction, not part of the ratio): {t_up:.3f} s  {mb / t_up:8.1f} MB/s")


if __name__ == "__main__":
    main()
