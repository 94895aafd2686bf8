"""Playbooks tested as data: a case file walks a playbook and states where it must end.

``playbooks/<id>.cases.yaml`` lists cases; each gives the steps in order (a node and the
operator's answer, or the verdict its probe returns) and the expected end (status, resolution,
category, level, handoff, escalation requests, or the step still waiting). Running the cases
also measures coverage: every outcome of every question and check must be taken by some case.

Pure: parses text and replays the engine (the CLI reads the files).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from calltriage.domain.model import NodeKind, ProbeResult, ProbeStatus
from calltriage.engine.run import PlaybookRun, advance, outcome_for, start
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import CalltriageError, PlaybookError

EXPECT_FIELDS = ("status", "resolution", "category", "level", "handoff", "requests", "at")
STATUSES = ("open", "closed", "handed-off")


@dataclass(frozen=True, slots=True)
class Step:
    node: str
    answer: str | None = None  # an operator's outcome
    probe: str | None = None  # or a probe status (ok, warn, fail, error)
    line: int = 0


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    steps: tuple[Step, ...]
    expect: dict[str, Any]
    line: int = 0


@dataclass
class CaseResult:
    name: str
    line: int
    problems: list[str] = field(default_factory=list)
    taken: set[tuple[str, str]] = field(default_factory=set)
    end: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "ok": self.ok, "problems": list(self.problems),
                "end": self.end}


def _line(obj: Any, key: Any = None) -> int:
    try:
        if key is not None and isinstance(obj, CommentedMap):
            return int(obj.lc.key(key)[0]) + 1
        return int(obj.lc.line) + 1
    except (AttributeError, KeyError, TypeError):
        return 0


def parse_cases(source: str, path: str, playbook_id: str) -> list[Case]:
    """Parse a case file; every problem is one line naming file:line and the fix."""
    problems: list[str] = []
    try:
        doc = YAML(typ="rt", pure=True).load(source)
    except YAMLError as exc:
        raise PlaybookError(f"{path}: malformed YAML ({str(exc).splitlines()[0]}): fix the file") from None
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("cases"), CommentedSeq):
        raise PlaybookError(f"{path}: a case file is a mapping with `playbook: {playbook_id}` and a list `cases:`")
    if str(doc.get("playbook", "")) != playbook_id:
        problems.append(f"{path}:{_line(doc, 'playbook')}: playbook is {doc.get('playbook')!r}, the file goes "
                        f"with {playbook_id!r}: set `playbook: {playbook_id}`")
    cases: list[Case] = []
    for item in doc["cases"]:
        line = _line(item)
        if not isinstance(item, CommentedMap) or not item.get("name"):
            problems.append(f"{path}:{line}: each case needs a name, steps and expect")
            continue
        name = str(item["name"])
        if any(c.name == name for c in cases):
            problems.append(f"{path}:{line}: case {name!r} is named twice: name each case after what it proves")
        steps = _steps(item.get("steps"), path, name, problems)
        expect = item.get("expect")
        if not isinstance(expect, CommentedMap) or expect.get("status") not in STATUSES:
            problems.append(f"{path}:{_line(item, 'expect') or line}: case {name!r}: expect needs a status "
                            f"({', '.join(STATUSES)})")
            continue
        for key in expect:
            if key not in EXPECT_FIELDS:
                problems.append(f"{path}:{_line(expect, key)}: case {name!r}: unknown expect field {key!r}; "
                                f"fields are {', '.join(EXPECT_FIELDS)}")
        cases.append(Case(name, tuple(steps), dict(expect), line))
    if problems:
        raise PlaybookError(problems[0] if len(problems) == 1 else f"{problems[0]} (+{len(problems) - 1} more)",
                            problems=problems)
    return cases


def _steps(raw: Any, path: str, name: str, problems: list[str]) -> list[Step]:
    if raw is None:
        return []
    if not isinstance(raw, CommentedSeq):
        problems.append(f"{path}: case {name!r}: steps is a list of `- node: outcome` or `- node: {{probe: fail}}`")
        return []
    steps = []
    for item in raw:
        line = _line(item)
        if not isinstance(item, CommentedMap) or len(item) != 1:
            problems.append(f"{path}:{line}: case {name!r}: a step is one `node: outcome` pair")
            continue
        node, answer = next(iter(item.items()))
        if isinstance(answer, CommentedMap):
            status = str(answer.get("probe", ""))
            if status not in {s.value for s in ProbeStatus}:
                problems.append(f"{path}:{line}: case {name!r}: probe status {status!r} is not one of "
                                f"{', '.join(s.value for s in ProbeStatus)}")
                continue
            if "outcome" in answer:
                problems.append(f"{path}:{line}: case {name!r}: a probe does not propose an outcome; "
                                "the node's verdicts map its status: remove `outcome`")
                continue
            steps.append(Step(str(node), probe=status, line=line))
        else:
            steps.append(Step(str(node), answer=str(answer), line=line))
    return steps


def run_case(spec: PlaybookSpec, case: Case, path: str = "") -> CaseResult:
    result = CaseResult(case.name, case.line)
    where = f"{path}:" if path else ""
    run = start(spec)
    for step in case.steps:
        if run.current != step.node:
            now = f"at {run.current}" if run.current else run.status.value
            result.problems.append(f"{where}{step.line}: case {case.name!r}: step {step.node} but the incident is "
                                   f"{now}: fix the steps (or the playbook)")
            break
        node = spec.node(step.node)
        if step.probe is not None:
            if node.kind is not NodeKind.CHECK:
                result.problems.append(f"{where}{step.line}: case {case.name!r}: {node.id} is a {node.kind.value}, "
                                       "not a check: give the operator's outcome instead of a probe verdict")
                break
            verdict = ProbeResult(node.probe or "", ProbeStatus(step.probe), "case")
            outcome = outcome_for(node, verdict)
            if outcome is None:  # the node stays a question for the operator: the next step answers it
                continue
        else:
            outcome = step.answer or ""
        try:
            run, _ = advance(spec, run, outcome)
        except CalltriageError as exc:
            result.problems.append(f"{where}{step.line}: case {case.name!r}: {exc.message}")
            break
        result.taken.add((node.id, outcome))
    result.end = end_of(run)
    if not result.problems:
        result.problems.extend(_compare(case, result.end, where))
    return result


def end_of(run: PlaybookRun) -> dict[str, Any]:
    return {"status": run.status.value, "resolution": run.resolution, "category": run.category,
            "level": run.level, "handoff": run.handoff, "requests": [e.request for e in run.escalations],
            "at": run.current}


def _compare(case: Case, end: dict[str, Any], where: str) -> list[str]:
    wrong = []
    for key, want in case.expect.items():
        got = end.get(key)
        if key == "requests":
            want = list(want or [])
        if got != want:
            wrong.append(f"{key} is {got!r}, expected {want!r}")
    if not wrong:
        return []
    return [f"{where}{case.line}: case {case.name!r}: " + "; ".join(wrong)]


def outcomes_of(spec: PlaybookSpec) -> list[tuple[str, str]]:
    """Every (node, outcome) a case can take: the edges out of questions and checks."""
    return [(n.id, o) for n in spec.nodes.values() if n.kind in (NodeKind.QUESTION, NodeKind.CHECK)
            for o in n.outcomes]


def uncovered(spec: PlaybookSpec, results: list[CaseResult]) -> list[tuple[str, str]]:
    taken = set().union(*(r.taken for r in results)) if results else set()
    return [edge for edge in outcomes_of(spec) if edge not in taken]
