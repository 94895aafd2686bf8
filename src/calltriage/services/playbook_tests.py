"""`calltriage playbook test`: run every playbook's case file, report failures and uncovered outcomes.

A playbook ``<dir>/<id>.yaml`` is tested by ``<dir>/<id>.cases.yaml``; an error-message catalogue
``<dir>/<id>.messages.yaml`` is checked against the playbook it names. Also checked across the
family: every handoff target exists, and handoffs never lead back to where they came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from calltriage.domain.model import NodeKind
from calltriage.engine.cases import CaseResult, parse_cases, run_case, uncovered
from calltriage.engine.drafts import draft_cases
from calltriage.engine.messages import MessageCatalogue, parse_messages
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import NotFound, PlaybookError
from calltriage.services.catalog import PlaybookCatalog


def companion(spec: PlaybookSpec, kind: str) -> Path:
    return Path(spec.path).with_name(f"{spec.id}.{kind}.yaml")


def test_playbook(spec: PlaybookSpec, *, draft: bool = False) -> dict[str, Any]:
    path = companion(spec, "cases")
    report: dict[str, Any] = {"playbook": spec.id, "version": spec.version, "cases_file": str(path), "cases": [],
                              "problems": [], "uncovered": []}
    results: list[CaseResult] = []
    if not path.is_file():
        report["problems"].append(f"{path}: no case file: write one (`calltriage playbook test {spec.id} --draft` "
                                  "prints drafts for every outcome)")
    else:
        try:
            cases = parse_cases(path.read_text(encoding="utf-8"), str(path), spec.id)
        except PlaybookError as exc:
            report["problems"].extend(exc.problems or [exc.message])
            cases = []
        results = [run_case(spec, case, str(path)) for case in cases]
        report["cases"] = [r.to_dict() for r in results]
        report["problems"].extend(p for r in results for p in r.problems)
    missing = uncovered(spec, results)
    report["uncovered"] = [f"{node} -> {outcome}" for node, outcome in missing]
    if missing:
        report["problems"].append(f"{path}: {len(missing)} outcome(s) no case takes: "
                                  + ", ".join(report["uncovered"]))
    messages = companion(spec, "messages")
    if messages.is_file():
        report["problems"].extend(_catalogue_problems(load_messages(messages), spec))
    if draft and missing:
        taken = set().union(*(r.taken for r in results)) if results else set()
        report["drafts"] = draft_cases(spec, taken)
    report["ok"] = not report["problems"]
    return report


def _catalogue_problems(catalogue: MessageCatalogue, spec: PlaybookSpec) -> list[str]:
    return catalogue.problems(spec)


def load_messages(path: Path) -> MessageCatalogue:
    try:
        return parse_messages(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise PlaybookError(f"{path}: cannot read the message catalogue ({exc})") from None


def family_problems(specs: list[PlaybookSpec]) -> list[str]:
    """Handoffs across playbooks: every target exists, and no chain of handoffs returns to its start."""
    by_id = {s.id: s for s in specs}
    problems = []
    targets: dict[str, set[str]] = {}
    for spec in specs:
        targets[spec.id] = set()
        for node in spec.nodes.values():
            if node.kind is NodeKind.HANDOFF and node.playbook:
                if node.playbook not in by_id:
                    problems.append(f"{spec.path}:{node.line}: node {node.id}: handoff target {node.playbook!r} "
                                    "does not exist yet: write playbooks/" + node.playbook + ".yaml")
                targets[spec.id].add(node.playbook)

    def loop_from(origin: str) -> list[str] | None:
        stack = [(origin, [origin])]
        while stack:
            current, trail = stack.pop()
            for nxt in sorted(targets.get(current, ())):
                if nxt == origin:
                    return [*trail, nxt]
                if nxt not in trail:
                    stack.append((nxt, [*trail, nxt]))
        return None

    for spec in specs:
        loop = loop_from(spec.id)
        if loop:
            problems.append(f"{spec.path}: handoffs loop {' -> '.join(loop)}: an incident could circle for ever; "
                            "end one of them in a close or an escalation")
    return problems


def test_all(catalog: PlaybookCatalog, playbook_id: str | None = None, *, draft: bool = False) -> dict[str, Any]:
    specs = catalog.all()
    chosen = [s for s in specs if playbook_id is None or s.id == playbook_id]
    if not chosen:
        raise NotFound(f"no playbook {playbook_id!r}: known playbooks are {', '.join(s.id for s in specs)}")
    reports = [test_playbook(spec, draft=draft) for spec in chosen]
    family = family_problems(specs) if playbook_id is None else []
    ok = all(r["ok"] for r in reports) and not family
    return {"ok": ok, "playbooks": reports, "family": family}
