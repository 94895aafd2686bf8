"""The reports page: incidents opened per day, the open backlog by age, resolutions, categories against
the seed's half/half split, escalations per level, median time per level against its target, node
reach and outcomes; charts are inline SVG with titles and axis labels (desk/charts.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from calltriage.errors import CalltriageError
from calltriage.web.deps import DeskOperator
from calltriage.web.desk import charts
from calltriage.web.desk.render import page
from calltriage.web.reporting import report
from calltriage.web.state import state

router = APIRouter(include_in_schema=False)


def _titles(ct: Any) -> dict[str, str]:
    from calltriage.services.rules import step_title

    return {node.id: step_title(node) for spec in ct.services.catalog.all() for node in spec.nodes.values()}


def _charts(data: dict[str, Any], titles: dict[str, str]) -> dict[str, str]:
    split = data["seed_split"]
    return {
        "per_day": charts.columns([(d["day"], d["count"]) for d in data["opened_per_day"]],
                                  title="Incidents opened per day", x_axis="day (UTC)", y_axis="incidents"),
        "backlog": charts.bars([(b["age"], b["count"]) for b in data["backlog_by_age"]],
                               title="Open incidents by age", axis="open incidents"),
        "resolutions": charts.bars([(r["resolution"] or "?", r["count"]) for r in data["resolutions"]],
                                   title="Incidents per resolution", axis="incidents"),
        "categories": charts.bars([(c["category"], c["count"]) for c in data["categories"] if c["count"]],
                                  title="Incidents per root-cause category", axis="incidents"),
        "split": charts.split(split["misconfiguration"], split["connection"]),
        "escalations": charts.bars([(f"to L{e['to_level']}", e["count"]) for e in data["escalations"]["by_level"]],
                                   title="Escalations per target level", axis="escalations"),
        "time": charts.bars([(f"L{t['level']}", round(100 * t["median_seconds"] / t["target_seconds"]))
                             for t in data["time_per_level"]
                             if t.get("median_seconds") is not None and t.get("target_seconds")],
                            unit=" %", title="Median time per level, as a share of its target",
                            axis="% of the target (orange line: the target)",
                            marks=[100.0 for t in data["time_per_level"]
                                   if t.get("median_seconds") is not None and t.get("target_seconds")]),
        "reach": charts.bars([(titles.get(n["node"], n["node"]), n["reached"]) for n in data["nodes"][:25]],
                             title="Incidents per step",
                             axis="incidents that reached the step"),
    }


@router.get("/reports")
def reports_page(request: Request, op: DeskOperator,
                 since: Annotated[str, Query(max_length=40)] = "",
                 until: Annotated[str, Query(max_length=40)] = "") -> Response:
    try:
        ct = state(request)
        data = report(ct.services.store, since=since or None, until=until or None,
                      targets=ct.settings.level_targets)
    except CalltriageError as exc:
        return page(request, "reports.html", {"error": exc.message, "since": since, "until": until}, status=400)
    titles = _titles(ct)
    return page(request, "reports.html", {"r": data, "charts": _charts(data, titles), "titles": titles,
                                          "since": since, "until": until,
                                          "duration": charts.duration})
