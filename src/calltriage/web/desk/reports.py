"""The reports page: resolutions, categories against the seed's half/half split, escalations per level,
median time per level, node reach and outcomes; charts are inline SVG (desk/charts.py)."""

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


def _charts(data: dict[str, Any]) -> dict[str, str]:
    split = data["seed_split"]
    return {
        "resolutions": charts.bars([(r["resolution"] or "?", r["count"]) for r in data["resolutions"]],
                                   title="resolutions"),
        "categories": charts.bars([(c["category"], c["count"]) for c in data["categories"] if c["count"]],
                                  title="root-cause categories"),
        "split": charts.split(split["misconfiguration"], split["connection"]),
        "escalations": charts.bars([(f"to L{e['to_level']}", e["count"]) for e in data["escalations"]["by_level"]],
                                   title="escalations per level"),
        "time": charts.bars([(f"L{t['level']}", round((t["median_seconds"] or 0) / 60, 1))
                             for t in data["time_per_level"]], unit=" min", title="median minutes per level"),
        "reach": charts.bars([(n["node"], n["reached"]) for n in data["nodes"][:25]], title="incidents per node"),
    }


@router.get("/reports")
def reports_page(request: Request, op: DeskOperator,
                 since: Annotated[str, Query(max_length=40)] = "",
                 until: Annotated[str, Query(max_length=40)] = "") -> Response:
    try:
        data = report(state(request).services.store, since=since or None, until=until or None)
    except CalltriageError as exc:
        return page(request, "reports.html", {"error": exc.message, "since": since, "until": until}, status=400)
    return page(request, "reports.html", {"r": data, "charts": _charts(data), "since": since, "until": until,
                                          "duration": charts.duration})
