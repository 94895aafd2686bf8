"""Draft cases for the outcomes no case takes yet (`calltriage playbook test --draft`).

A draft walks the shortest way from the start to the uncovered outcome, takes it, then follows
outcomes not covered yet (else the first one) to an end; checks get the probe verdict that
decides the outcome when one does. The expected end is what the playbook does *now*: an author
reads each draft, renames it after what it proves, and keeps it only if that end is right.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from calltriage.domain.model import NodeKind
from calltriage.engine.cases import Case, Step, end_of, outcomes_of, run_case
from calltriage.engine.spec import NodeSpec, PlaybookSpec

Edge = tuple[str, str]


def _next(spec: PlaybookSpec, node_id: str) -> str | None:
    """The first node after ``node_id`` that needs an answer (skipping escalations), or None at an end."""
    node = spec.node(node_id)
    while node.kind is NodeKind.ESCALATE:
        node = spec.node(spec.entries[node.request or ""])
    return None if node.kind.terminal else node.id


def _prefix(spec: PlaybookSpec, target: str) -> list[Edge] | None:
    """The shortest list of answered edges from the start to ``target``."""
    first = _next(spec, spec.start)
    if first is None:
        return None
    parents: dict[str, tuple[str, str] | None] = {first: None}
    queue = deque([first])
    while queue:
        current = queue.popleft()
        if current == target:
            edges: list[Edge] = []
            while parents[current] is not None:
                prev, outcome = parents[current]  # type: ignore[misc]
                edges.append((prev, outcome))
                current = prev
            return edges[::-1]
        for name, outcome in spec.node(current).outcomes.items():
            following = _next(spec, outcome.next)
            if following is not None and following not in parents:
                parents[following] = (current, name)
                queue.append(following)
    return None


def _step(node: NodeSpec, outcome: str) -> Step:
    if node.kind is NodeKind.CHECK:
        for status, mapped in node.verdicts.items():
            if mapped == outcome and status != "error":
                return Step(node.id, probe=status)
    return Step(node.id, answer=outcome)


def _ending(end: dict[str, Any]) -> str:
    what = end.get("resolution") or end.get("handoff") or end.get("at") or ""
    return f"{end['status']} {what} at level {end['level']}".replace("  ", " ")


def draft_cases(spec: PlaybookSpec, covered: set[Edge]) -> list[dict[str, Any]]:
    """Case mappings (ready to dump as YAML) that together take every outcome not in ``covered``."""
    covered = set(covered)
    drafts: list[dict[str, Any]] = []
    for edge in outcomes_of(spec):
        if edge in covered:
            continue
        prefix = _prefix(spec, edge[0])
        if prefix is None:
            continue
        edges = [*prefix, edge]
        current = _next(spec, spec.node(edge[0]).target(edge[1]))
        while current is not None:
            node = spec.node(current)
            outcome = next((o for o in node.outcomes if (current, o) not in covered), next(iter(node.outcomes)))
            edges.append((current, outcome))
            current = _next(spec, node.target(outcome))
        steps = tuple(_step(spec.node(n), o) for n, o in edges)
        result = run_case(spec, Case("draft", steps, {"status": "open"}))
        end = {k: v for k, v in result.end.items() if v not in (None, [])}
        covered |= set(edges)
        name = f"draft: {_ending(end)} after {edges[-1][0]} -> {edges[-1][1]}"
        if any(d["name"] == name for d in drafts):
            name += f" (with {edge[0]} -> {edge[1]})"
        drafts.append({
            "name": name,
            "steps": [{s.node: {"probe": s.probe} if s.probe else s.answer} for s in steps],
            "expect": end,
        })
    return drafts


__all__ = ["draft_cases", "end_of"]
