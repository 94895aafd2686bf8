"""Probe results for people: a sentence, a small table of facts, SIP codes with their meaning,
times relative and absolute, client-log causes as a ranked list; the raw JSON stays one click away.

``readable(result)`` turns a stored ``ProbeResult.to_dict()`` into what ``_evidence.html`` shows.
A probe that could not run (``error``) reads "could not tell", never like a failing finding.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from calltriage.web.desk.render_filters import ago

VERDICTS = {
    "ok": ("good", "Looks fine"),
    "warn": ("warn", "Worth a look"),
    "fail": ("bad", "Problem found"),
    "error": ("unknown", "The probe could not tell"),
}
SIP = {
    100: "Trying", 180: "Ringing", 181: "Call is being forwarded", 183: "Session progress", 200: "OK",
    202: "Accepted", 301: "Moved permanently", 302: "Moved temporarily", 400: "Bad request",
    401: "Unauthorized (credentials asked)", 403: "Forbidden (refused)", 404: "Not found (no such user)",
    405: "Method not allowed", 407: "Proxy authentication required", 408: "Request timeout (no answer)",
    410: "Gone", 415: "Unsupported media type", 420: "Bad extension", 423: "Interval too brief",
    480: "Temporarily unavailable (not reachable)", 481: "Call/transaction does not exist", 482: "Loop detected",
    483: "Too many hops", 484: "Address incomplete", 486: "Busy here", 487: "Request terminated (cancelled)",
    488: "Not acceptable here (codecs/media)", 491: "Request pending", 500: "Server internal error",
    501: "Not implemented", 502: "Bad gateway", 503: "Service unavailable", 504: "Server time-out",
    600: "Busy everywhere", 603: "Decline", 604: "Does not exist anywhere", 606: "Not acceptable",
}
_CODE_KEYS = re.compile(r"(^|_)(code|sip_code|status_code|final)$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")
MAX_ROWS = 8


def label(key: str) -> str:
    text = key.replace("_", " ").replace(".", " › ").strip()
    return text[:1].upper() + text[1:]


def sip_meaning(code: Any) -> str:
    try:
        number = int(code)
    except (TypeError, ValueError):
        return str(code)
    meaning = SIP.get(number)
    return f"{number} {meaning}" if meaning else str(number)


def _when(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    absolute = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{ago(moment)} ({absolute})"


def value_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _CODE_KEYS.search(key) and (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
        return sip_meaning(value)
    if isinstance(value, str) and _ISO.match(value):
        return _when(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(value_text(key, v) for v in value) if all(not isinstance(v, dict | list) for v in value) \
            else f"{len(value)} entries"
    return str(value)


def _table(key: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    columns: list[str] = []
    for row in rows[:MAX_ROWS]:
        columns += [c for c, v in row.items() if c not in columns and not isinstance(v, dict | list)]
    return {"title": label(key), "columns": [label(c) for c in columns[:6]],
            "rows": [[value_text(c, row.get(c)) for c in columns[:6]] for row in rows[:MAX_ROWS]],
            "more": max(0, len(rows) - MAX_ROWS)}


def _causes(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in findings:
        lines = [f"{e.get('line', '?')}: {e.get('text', '')}" if isinstance(e, dict) else str(e)
                 for e in item.get("evidence") or []]
        out.append({"title": item.get("title") or item.get("id") or "?", "cause": item.get("cause") or "",
                    "advice": item.get("advice") or "", "count": item.get("count"), "lines": lines[:6]})
    return out


def readable(result: dict[str, Any]) -> dict[str, Any]:
    """{tone, verdict, sentence, facts: [(label, text)], tables: [...], causes: [...]} of one result."""
    status = str(result.get("status") or "error")
    tone, verdict = VERDICTS.get(status, VERDICTS["error"])
    facts: list[tuple[str, str]] = []
    tables: list[dict[str, Any]] = []
    causes: list[dict[str, Any]] = []
    for key, value in (result.get("evidence") or {}).items():
        if key == "findings" and isinstance(value, list):
            causes = _causes([v for v in value if isinstance(v, dict)])
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    facts.append((label(f"{key}.{sub}"), ", ".join(f"{k}: {value_text(k, v)}"
                                                                   for k, v in inner.items())))
                elif isinstance(inner, list) and inner and isinstance(inner[0], dict):
                    tables.append(_table(f"{key}.{sub}", inner))
                else:
                    facts.append((label(f"{key}.{sub}"), value_text(sub, inner)))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            tables.append(_table(key, value))
        else:
            facts.append((label(key), value_text(key, value)))
    return {"tone": tone, "verdict": verdict, "status": status, "sentence": str(result.get("summary") or ""),
            "facts": facts[:16], "tables": tables[:4], "causes": causes, "probe": result.get("probe", "")}
