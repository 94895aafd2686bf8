"""``analyze(text)``: format detection, SIP transactions, notable events and the ranked likely
causes, each with the log lines that support it. Pure: takes text, does no I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from calltriage.clientlog.formats import LogFormat, detect_format, get_format
from calltriage.clientlog.markers import scan_events
from calltriage.clientlog.model import Event
from calltriage.clientlog.signatures import Catalogue, Condition, Signature, load_catalogue
from calltriage.clientlog.transactions import CHALLENGES, Facts, Transaction, facts_of, rebuild

SCHEMA = 1
# Lines shown per finding: the first ones. (Not also the last one: its line number would cost a
# newline count over the whole text, ~0.1 s per 200 MB.)
MAX_EVIDENCE = 5
MAX_NOTABLE = 20  # failed transactions listed in the summary
MAX_LINE_CHARS = 400


@dataclass(frozen=True, slots=True)
class Evidence:
    line: int  # 1-based line number in the stored (redacted) log
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "text": self.text}


@dataclass(frozen=True, slots=True)
class Finding:
    signature: Signature
    score: float
    count: int  # how much evidence matched
    evidence: tuple[Evidence, ...]

    def to_dict(self) -> dict[str, Any]:
        s = self.signature
        return {"id": s.id, "title": s.title, "cause": s.cause, "supports": s.supports, "advice": s.advice,
                "score": self.score, "count": self.count, "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(slots=True)
class Analysis:
    format: str | None
    format_scores: dict[str, float]
    chars: int
    messages: int
    transactions: list[Transaction]
    events: list[Event]
    facts: dict[str, int]
    findings: list[Finding]
    notable: list[dict[str, Any]] = field(default_factory=list)

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def summary(self) -> str:
        """One line for a probe result or a timeline entry."""
        if self.format is None and not self.events:
            return "no SIP messages or known error lines found in the log"
        if not self.findings:
            return f"{self.messages} SIP messages, {len(self.transactions)} transactions, no known failure pattern"
        top = self.findings[0]
        return f"likely cause: {top.signature.title} ({top.signature.supports}), {top.count} supporting line(s)"

    def to_dict(self) -> dict[str, Any]:
        by_method: dict[str, dict[str, Any]] = {}
        for t in self.transactions:
            entry = by_method.setdefault(t.method, {"total": 0, "finals": Counter(), "unanswered": 0})
            entry["total"] += 1
            if t.final:
                entry["finals"][str(t.final)] += 1
            else:
                entry["unanswered"] += 1
        for entry in by_method.values():
            entry["finals"] = dict(sorted(entry["finals"].items()))
        events = Counter(f"{e.kind}:{e.detail}" for e in self.events)
        return {
            "schema": SCHEMA,
            "format": self.format,
            "format_scores": self.format_scores,
            "chars": self.chars,
            "messages": self.messages,
            "transactions": {"total": len(self.transactions), "by_method": by_method, "notable": self.notable},
            "events": dict(sorted(events.items())),
            "facts": dict(sorted(self.facts.items())),
            "findings": [f.to_dict() for f in self.findings],
            "top_cause": self.findings[0].signature.id if self.findings else None,
            "summary": self.summary(),
        }


class _Evidence:
    """Counts and offsets behind a catalogue's conditions."""

    def __init__(self, facts: Facts, events: list[Event]) -> None:
        self.facts = facts
        self.by_kind: dict[str, list[Event]] = {}
        for e in events:
            self.by_kind.setdefault(e.kind, []).append(e)

    def offsets(self, c: Condition) -> list[int]:
        if c.source == "fact":
            return self.facts.offsets.get(c.name, [])
        return [e.offset for e in self.by_kind.get(c.name, ()) if not c.details or e.detail in c.details]


def _evaluate(sig: Signature, ev: _Evidence) -> list[int] | None:
    """Offsets supporting ``sig``, or None when it does not fire."""
    found: list[int] = []
    for c in sig.all:
        offs = ev.offsets(c)
        if not c.holds(len(offs)):
            return None
        found.extend(offs)
    if sig.any:
        hits = [offs for c in sig.any if c.holds(len(offs := ev.offsets(c)))]
        if not hits:
            return None
        for offs in hits:
            found.extend(offs)
    if any(c.holds(len(ev.offsets(c))) for c in sig.none):
        return None
    return sorted(set(found))


def _score(sig: Signature, count: int) -> float:
    # More evidence makes a cause more likely, up to its catalogue weight.
    return round(sig.weight * min(1.0, 0.8 + 0.05 * (count - 1)), 3)


def _pick(offsets: list[int]) -> list[int]:
    return offsets[:MAX_EVIDENCE]


def _line_texts(text: str, offsets: set[int]) -> dict[int, Evidence]:
    out: dict[int, Evidence] = {}
    line, prev = 1, 0
    for off in sorted(offsets):
        line += text.count("\n", prev, off)
        prev = off
        start = text.rfind("\n", 0, off) + 1
        end = text.find("\n", off)
        out[off] = Evidence(line, text[start : end if end >= 0 else len(text)][:MAX_LINE_CHARS])
    return out


def _notable(text: str, fmt: LogFormat | None, transactions: list[Transaction]) -> list[dict[str, Any]]:
    failed = [t for t in transactions
              if (t.final >= 300 and (t.final not in CHALLENGES or t.auth_rejected))
              or (not t.final and t.direction == "TX")]
    rows: list[dict[str, Any]] = []
    for t in failed[:MAX_NOTABLE]:
        duration = None
        if fmt is not None and t.request_offset >= 0 and t.final_offset >= 0:
            t0, t1 = fmt.time_at(text, t.request_offset), fmt.time_at(text, t.final_offset)
            if t0 is not None and t1 is not None:
                duration = round(((t1 - t0) % 86400) * 1000, 1)
        info = fmt.describe(text, t.final_offset if t.final_offset >= 0 else t.offset) if fmt is not None else None
        request = fmt.describe(text, t.request_offset) if fmt is not None and t.request_offset >= 0 else None
        rows.append({"method": t.method, "cseq": t.cseq, "call_id": t.call_id or (info.call_id if info else ""),
                     "direction": t.direction, "request": request.start_line if request else "",
                     "transport": request.transport if request else "", "peer": request.peer if request else "",
                     "final": t.final or None, "reason": info.reason if info and t.final else "",
                     "codes": [c for c, _ in t.responses], "duration_ms": duration, "registered": t.registered,
                     "offset": t.offset})
    return rows


def analyze(text: str, *, catalogue: Catalogue | None = None, format: str | None = None) -> Analysis:
    """Analyse a (redacted) client log. ``format`` forces a format instead of detecting it."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    catalogue = catalogue or load_catalogue()
    if format is not None:
        fmt: LogFormat | None = get_format(format)
        scores: dict[str, float] = {}
    else:
        fmt, scores = detect_format(text)
    messages = list(fmt.parse(text)) if fmt is not None else []
    transactions = rebuild(messages)
    facts = Facts()
    facts_of(transactions, facts)
    events = scan_events(text)
    ev = _Evidence(facts, events)
    fired: list[tuple[Signature, list[int]]] = []
    for sig in catalogue.signatures:
        offs = _evaluate(sig, ev)
        if offs is not None:
            fired.append((sig, offs))
    cited = {o for _, offs in fired for o in _pick(offs)}
    notable = _notable(text, fmt, transactions)
    cited.update(row["offset"] for row in notable if row["offset"] >= 0)
    lines = _line_texts(text, cited)
    for row in notable:
        row["line"] = lines[row.pop("offset")].line if row["offset"] >= 0 else None
    findings = [Finding(sig, _score(sig, len(offs)), len(offs), tuple(lines[o] for o in _pick(offs)))
                for sig, offs in fired]
    findings.sort(key=lambda f: (-f.score, f.evidence[0].line if f.evidence else 0))
    return Analysis(
        format=fmt.name if fmt is not None else None,
        format_scores=scores,
        chars=len(text),
        messages=len(messages),
        transactions=transactions,
        events=events,
        facts={name: len(offs) for name, offs in facts.offsets.items()},
        findings=findings,
        notable=notable,
    )
