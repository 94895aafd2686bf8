"""The escalation dossier: everything level 3 or a vendor needs, in Markdown, JSON or printable HTML.

One builder (``build_dossier``) gathers the incident, both parties, the path, every answer and
probe result with its evidence, overrides, escalations, notes, attachment metadata and the log
findings; the three formats only render that dict, so they can never disagree. With
``pseudonymise`` every string (evidence and log lines included) goes through one
``Pseudonymizer``, so user-1 is the same person everywhere in the document.

Secrets cannot reach a dossier: events never carry them and attachments are stored redacted;
the dossier reads nothing else.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calltriage.errors import InvalidAnswer
from calltriage.services.attachments import analyze_attachments, list_attachments
from calltriage.services.pseudonym import Pseudonymizer

if TYPE_CHECKING:
    import jinja2

    from calltriage.services.context import App

DOSSIER_SCHEMA = 1
FORMATS = ("md", "json", "html")
TEMPLATES = Path(__file__).with_name("templates")
_STEP_KINDS = ("answered", "probed", "overridden", "waiting")
# Playbook vocabulary and machine values: never personal data, left as they are.
_VOCABULARY = frozenset({
    "schema", "kind", "node", "nodes", "outcome", "previous", "decided_by", "status", "resolution",
    "category", "handoff", "request", "entry", "playbook", "playbook_version", "playbook_title", "prompt",
    "label", "outcome_label", "current", "sha256", "format", "encoding", "at", "opened_at", "updated_at",
    "closed_at", "uploaded_at", "generated_at", "level", "from_level", "to_level", "seq",
})
# Subtrees written by probes, analyses and the timeline: every string in them is treated as data.
_FREE = frozenset({"result", "evidence", "data", "analysis", "meta", "findings"})


def build_dossier(app: App, incident_id: int, *, pseudonymise: bool = False,
                  now: datetime | None = None) -> dict[str, Any]:
    view = app.incidents.get(incident_id)
    # every playbook the incident walked (a handoff continues it in the next one), pinned versions
    walked = app.incidents.walked(view)
    spec = walked[-1][0]
    events: list[dict[str, Any]] = view["events"]
    nodes: dict[str, Any] = {}
    for part, _ in walked:  # a node id in two playbooks reads as the latest one's
        nodes.update(part.nodes)

    def prompt(node: str | None) -> str:
        return nodes[node].prompt if node and node in nodes else ""

    def label(node: str | None, outcome: str | None) -> str:
        if not node or not outcome or node not in nodes or outcome not in nodes[node].outcomes:
            return ""
        return nodes[node].outcomes[outcome].label or ""

    answers = {e["node"]: e["outcome"] for e in events if e["kind"] in _STEP_KINDS[:3] and e["outcome"]}
    dossier: dict[str, Any] = {
        "schema": DOSSIER_SCHEMA,
        "kind": "calltriage-dossier",
        "generated_at": _iso(now or datetime.now(UTC)),
        "pseudonymised": pseudonymise,
        "incident": {key: view[key] for key in (
            "id", "status", "level", "resolution", "category", "handoff", "summary", "reporter", "current",
            "opened_at", "updated_at", "closed_at")}
        | {"playbook": view["playbook"], "playbook_version": view["playbook_version"],
           "playbook_title": spec.title},
        "parties": {"caller": view["caller"], "callee": view["callee"]},
        "playbooks": [{"playbook": part.id, "version": part.version, "title": part.title} for part, _ in walked],
        "path": [{"node": n, "playbook": part.id, "level": part.nodes[n].level if n in part.nodes else None,
                  "kind": part.nodes[n].kind.value if n in part.nodes else "",
                  "prompt": part.nodes[n].prompt if n in part.nodes else "", "outcome": answers.get(n)}
                 for part, path in walked for n in path],
        "steps": [_step(e, prompt(e["node"]), label(e["node"], e["outcome"])) for e in events
                  if e["kind"] in _STEP_KINDS],
        "overrides": [{"seq": e["seq"], "at": e["at"], "actor": e["actor"], "node": e["node"],
                       "previous": (e["data"] or {}).get("previous"), "outcome": e["outcome"],
                       "reason": e["note"]}
                      for e in events if e["kind"] == "overridden"],
        "escalations": [{"seq": e["seq"], "at": e["at"], "actor": e["actor"], "note": e["note"],
                         **{k: (e["data"] or {}).get(k) for k in ("from_level", "to_level", "request", "node",
                                                                   "entry")}}
                        for e in events if e["kind"] == "escalated"],
        "notes": [{"seq": e["seq"], "at": e["at"], "actor": e["actor"], "text": e["note"]}
                  for e in events if e["kind"] == "note"],
        "attachments": list_attachments(app.store, incident_id),
        "log_findings": analyze_attachments(app.store, incident_id),
        "timeline": events,
    }
    return pseudonymise_dossier(dossier) if pseudonymise else dossier


def pseudonymise_dossier(dossier: dict[str, Any]) -> dict[str, Any]:
    names = Pseudonymizer()
    for party in ("caller", "callee"):  # the parties get the first tokens: user-1 calls user-2
        names.add_party(str(dossier["parties"][party]))
    names.learn(dossier, skip=_VOCABULARY, free=_FREE)
    out: dict[str, Any] = names.apply(dossier, skip=_VOCABULARY, free=_FREE)
    out["pseudonymised"] = True
    return out


def render_dossier(dossier: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(dossier, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt in ("md", "html"):
        return _env().get_template(f"dossier.{fmt}.j2").render(d=dossier) + ("\n" if fmt == "md" else "")
    raise InvalidAnswer(f"unknown dossier format {fmt!r}: use one of {', '.join(FORMATS)}")


def dossier_text(app: App, incident_id: int, fmt: str, *, pseudonymise: bool = False) -> str:
    if fmt not in FORMATS:  # before any work
        raise InvalidAnswer(f"unknown dossier format {fmt!r}: use one of {', '.join(FORMATS)}")
    return render_dossier(build_dossier(app, incident_id, pseudonymise=pseudonymise), fmt)


def findings_of(log: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The analysis' ranked findings (``clientlog.Analysis.to_dict()``) in the templates' shape."""
    if not log:
        return []
    out = []
    for rank, item in enumerate((log.get("analysis") or {}).get("findings") or [], 1):
        lines = []
        for ev in item.get("evidence") or []:  # {"line": 1-based number, "text": the redacted line}
            lines.append(f"{ev.get('line', '?')}: {ev.get('text', '')}" if isinstance(ev, dict) else str(ev))
        title = item.get("title") or item.get("id") or "?"
        out.append({"rank": rank, "id": item.get("id", ""), "title": title,
                    "score": item.get("score"), "summary": item.get("cause") or "",
                    "supports": item.get("supports") or "", "advice": item.get("advice") or "",
                    "count": item.get("count"), "lines": lines})
    return out


def _step(event: dict[str, Any], prompt: str, outcome_label: str) -> dict[str, Any]:
    data = event["data"] or {}
    kind = event["kind"]
    decided_by = {"probed": "probe", "overridden": "override", "waiting": "waiting"}.get(kind, "operator")
    return {"seq": event["seq"], "at": event["at"], "kind": kind, "actor": event["actor"],
            "node": event["node"], "level": event["level"], "prompt": prompt, "outcome": event["outcome"],
            "outcome_label": outcome_label, "decided_by": decided_by, "note": event["note"],
            "result": data.get("result")}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _md_cell(value: Any) -> str:
    """Inline Markdown: pipes escaped, line breaks flattened, no raw HTML (a note could hold a tag)."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", " ").replace("\n", "<br>")


def _fenced(text: Any) -> str:
    """A code block whose fence is longer than any backtick run inside (log lines may contain ```)."""
    body = str(text)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{body}\n{fence}"


def _dictsum(value: Any) -> int:
    return sum(int(v) for v in value.values()) if isinstance(value, dict) else 0


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["pretty"] = _pretty
    env.filters["cell"] = _md_cell
    env.filters["fenced"] = _fenced
    env.filters["dictsum"] = _dictsum
    env.globals["findings_of"] = findings_of
    return env
