"""The report as plain-text tables (for terminals, e-mails and tickets: no colours, no box drawing)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> list[str]:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        pairs = enumerate(zip(values, widths, strict=True))
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in pairs)
    out = [line(list(headers)), line(["-" * w for w in widths])]
    out += [line(r) for r in cells] if cells else ["(none)"]
    return [s.rstrip() for s in out]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _sources(by: dict[str, int]) -> str:
    return f"{by['probe']}/{by['operator']}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
    return str(value)


def render_text(report: dict[str, Any]) -> str:
    scope, inc = report["scope"], report["incidents"]
    lines = [f"Incidents opened {scope['since'] or 'any time'} .. {scope['until'] or 'now'}"
             + (f", playbook {scope['playbook']}" if scope["playbook"] else "") + f": {inc['total']}", ""]
    lines += table(["STATUS", "COUNT"], list(inc["by_status"].items()), right=[1])
    if inc["open_by_level"]:
        lines.append("open by level: " + ", ".join(f"L{k} {v}" for k, v in inc["open_by_level"].items()))
    lines += ["", "Resolutions (closed incidents)"]
    lines += table(["RESOLUTION", "CATEGORY", "COUNT", "SHARE"],
                   [(r["resolution"], r["category"], r["count"], r["share"]) for r in report["resolutions"]],
                   right=[2, 3])
    lines += ["", "Handoffs"]
    lines += table(["PLAYBOOK", "CATEGORY", "COUNT", "SHARE"],
                   [(r["playbook"], r["category"], r["count"], r["share"]) for r in report["handoffs"]],
                   right=[2, 3])
    lines += ["", "Root-cause categories (closes and handoffs)"]
    lines += table(["CATEGORY", "COUNT", "SHARE", "CLOSED", "HANDED OFF"],
                   [(r["category"], r["count"], r["share"], r["closed"], r["handed_off"])
                    for r in report["categories"]], right=[1, 2, 3, 4])
    split = report["seed_split"]
    verdict = {True: "yes", False: "NO", None: "no data"}[split["within_tolerance"]]
    lines += ["", f"Seed check (misconfiguration vs connection, tolerance {split['tolerance']:.0%}): "
              f"{_cell(split['misconfiguration_share'])} vs {_cell(split['connection_share'])}, "
              f"about equal: {verdict}", "", "Escalations"]
    esc = report["escalations"]
    lines += table(["TO LEVEL", "COUNT", "INCIDENTS", "SHARE", "REQUESTS"],
                   [(f"L{r['to_level']}", r["count"], r["incidents"], r["share_of_incidents"], r["requests"])
                    for r in esc["by_level"]], right=[1, 2, 3])
    lines += ["", "Time per level"]
    lines += table(["LEVEL", "MEDIAN", "INTERVALS", "IN PROGRESS"],
                   [(f"L{r['level']}", duration(r["median_seconds"]), r["intervals"], r["in_progress"])
                    for r in report["time_per_level"]], right=[1, 2, 3])
    ttc = report["time_to_close"]
    lines.append("time to close: " + ", ".join(f"{k} {duration(v['median_seconds'])} (n={v['incidents']})"
                                                for k, v in ttc.items()))
    lines += ["", "Nodes"]
    lines += table(["NODE", "REACHED", "OUTCOMES", "PROBE/OPERATOR", "UNDECIDED", "OVERRIDES"],
                   [(n["node"], n["reached"], n["outcomes"], _sources(n["by_source"]), n["probe_undecided"],
                     n["overrides"]) for n in report["nodes"]], right=[1, 4])
    src = report["sources"]
    lines += ["", f"Top reporters ({src['distinct_reporters']} in all)"]
    lines += table(["REPORTER", "COUNT"], [(r["name"], r["count"]) for r in src["reporters"]], right=[1])
    lines += ["", f"Top callers ({src['distinct_callers']} in all)"]
    lines += table(["CALLER", "COUNT"], [(r["name"], r["count"]) for r in src["callers"]], right=[1])
    return "\n".join(lines) + "\n"
