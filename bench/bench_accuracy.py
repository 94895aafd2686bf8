"""Benchmark: triage accuracy over the fault matrix (tests/scenarios/matrix.py) against the real lab.

    .venv/bin/python bench/bench_accuracy.py [-k NAME] [--backend kamailio|privateserver] [--markdown FILE]

Each scenario plays on the Kamailio lab and on the PrivateServer lab (where it can be staged
there), each time with a fresh lab and a fresh database, and is played exactly as the scenario tests
play it (tests/scenarios/play.py): the simulated user acts when the desk asks, the operator
answers only what no probe can tell. Per scenario it prints: expected and got terminal,
operator questions, steps answered by probes, probe results that could not tell, probe seconds
(all probes, and the slowest verdict of a probe that awaited no user action), and totals
against the targets: 100 % correct, at most one operator question per incident on average
besides the "did the app show an error?" question, probe time <= 2 s per verdict where no user
action is awaited, zero automatic moves from silence.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.scenarios.matrix import SCENARIOS, Scenario  # noqa: E402
from tests.scenarios.play import Played, play  # noqa: E402
from tests.scenarios.stage import Stage  # noqa: E402

from calltriage.config import ProbeSettings  # noqa: E402
from calltriage.store import Store  # noqa: E402

INTAKE_QUESTION = "intake.client_error_message"
BACKENDS = ("kamailio", "privateserver")
PROBE_TIMEOUT = ProbeSettings().timeout  # the product's default deadline, as a deployment has it


@dataclass
class Row:
    scenario: Scenario
    backend: str
    played: Played | None
    seconds: float
    error: str = ""

    @property
    def got(self) -> str:
        return self.played.got if self.played else f"error: {self.error}"

    @property
    def correct(self) -> bool:
        return self.played is not None and self.played.got == self.scenario.expect

    @property
    def questions(self) -> int:
        return self.played.questions if self.played else 0

    @property
    def other_questions(self) -> int:
        """Questions besides the intake "did the app show an error message?"."""
        if self.played is None:
            return 0
        intake = sum(1 for e in self.played.view["events"] if e["kind"] == "answered" and e["node"] == INTAKE_QUESTION)
        return self.played.questions - intake


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_one(scenario: Scenario, backend: str, tmp: Path) -> Row:
    db = tmp / f"{scenario.name}-{backend}.sqlite"
    url = f"sqlite:///{db}"
    store = Store(url)
    store.upgrade()
    store.dispose()
    t0 = time.perf_counter()
    try:
        with Stage(tmp / f"{scenario.name}-{backend}", backend=backend, **scenario.lab) as stage:
            scenario.setup(stage)
            played = play(stage, url, operator=scenario.operator, caller=scenario.caller, callee=scenario.callee,
                          probe_timeout=PROBE_TIMEOUT)
        return Row(scenario, backend, played, time.perf_counter() - t0)
    except Exception as exc:  # a scenario that cannot be played is a wrong answer, not a crash
        log(traceback.format_exc())
        return Row(scenario, backend, None, time.perf_counter() - t0, f"{exc.__class__.__name__}: {str(exc)[:80]}")


def table(rows: list[Row]) -> list[str]:
    out = ["| scenario | lab | expected | got | ok | questions | by probes | could not tell | probe s "
           "| slowest verdict s |",
           "|---|---|---|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        p = r.played
        out.append(f"| {r.scenario.name} | {r.backend} | {r.scenario.expect} | {r.got} | "
                   f"{'yes' if r.correct else '**no**'} | "
                   f"{r.questions} | {len(p.by_probe) if p else 0} | {p.could_not_tell if p else 0} | "
                   f"{p.probe_seconds if p else 0:.2f} | "
                   f"{p.slowest_check if p else 0:.2f} |")
    return out


def totals(rows: list[Row]) -> list[str]:
    n = len(rows)
    played = [r.played for r in rows if r.played]
    correct = sum(r.correct for r in rows)
    return [
        f"- scenarios: {len({r.scenario.name for r in rows})}, plays: {n} "
        f"({', '.join(f'{b}: {sum(r.backend == b for r in rows)}' for b in BACKENDS)})",
        f"- correct: {correct}/{n} ({100 * correct / n:.0f} %)",
        f"- operator questions: {sum(r.questions for r in rows)} in all, {sum(r.questions for r in rows) / n:.2f} "
        f"per incident; besides the intake message question {sum(r.other_questions for r in rows) / n:.2f} per "
        "incident (target <= 1)",
        f"- steps answered by probes: {sum(len(p.by_probe) for p in played)}",
        f"- probe seconds: {sum(p.probe_seconds for p in played):.1f} in all (watch steps included: they wait for "
        f"the user, and probes that could not tell wait out their deadline); slowest verdict of a probe that awaited "
        f"no user action: {max((p.slowest_check for p in played), default=0):.2f} s (target <= 2 s)",
        f"- automatic moves from silence: {sum(p.silent_moves for p in played)} (target 0)",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="only", default="", help="only scenarios whose name contains this")
    ap.add_argument("--backend", choices=BACKENDS, help="only this lab (default: both)")
    ap.add_argument("--markdown", type=Path, help="also write the table and totals into this Markdown file")
    a = ap.parse_args()
    chosen = [(s.on(b), b) for s in SCENARIOS if a.only in s.name for b in s.backends if a.backend in (None, b)]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        for scenario, backend in chosen:
            log(f"playing {scenario.name} on {backend} ...")
            row = run_one(scenario, backend, Path(tmp))
            log(f"  {row.got} ({'ok' if row.correct else 'WRONG'}) in {row.seconds:.1f} s")
            rows.append(row)
    lines = [*table(rows), "", *totals(rows)]
    print("\n".join(lines))
    if a.markdown:
        write_markdown(a.markdown, lines)


def write_markdown(path: Path, lines: list[str]) -> None:
    head = path.read_text().split("<!-- table -->")[0] if path.exists() else "# Triage accuracy\n\n"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(head + "<!-- table -->\n" + f"Last run: {stamp}.\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
