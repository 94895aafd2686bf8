"""Runs: the state of one incident walking a playbook, and the pure transitions on it.

A run is fully determined by its playbook spec and the ordered outcomes chosen so far
(``answers``); every other field is derived by replaying them, which is what makes
``rewind`` (an operator overriding an earlier probe verdict) exact and auditable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from calltriage.domain.model import IncidentStatus, NodeKind, ProbeResult, ProbeStatus
from calltriage.engine.spec import NodeSpec, PlaybookSpec
from calltriage.errors import CalltriageError, InvalidAnswer

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Escalation:
    from_level: int
    to_level: int
    request: str
    node: str  # the escalate node
    entry: str  # where the next level starts

    def to_dict(self) -> dict[str, Any]:
        return {
            "from_level": self.from_level,
            "to_level": self.to_level,
            "request": self.request,
            "node": self.node,
            "entry": self.entry,
        }


@dataclass(frozen=True, slots=True)
class Effect:
    """Something the engine did by itself after an answer: escalate, close or hand off."""

    kind: NodeKind
    node: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlaybookRun:
    playbook_id: str
    version: str
    answers: tuple[tuple[str, str], ...] = ()  # (node, outcome) in the current playbook
    current: str | None = None
    level: int = 1
    status: IncidentStatus = IncidentStatus.OPEN
    resolution: str | None = None
    category: str | None = None
    handoff: str | None = None
    path: tuple[str, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    # Earlier playbooks of this incident (a handoff into another playbook freezes them).
    prior: tuple[dict[str, Any], ...] = ()

    @property
    def over(self) -> bool:
        return self.status is not IncidentStatus.OPEN

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "playbook_id": self.playbook_id,
            "version": self.version,
            "answers": [list(a) for a in self.answers],
            "current": self.current,
            "level": self.level,
            "status": self.status.value,
            "resolution": self.resolution,
            "category": self.category,
            "handoff": self.handoff,
            "path": list(self.path),
            "escalations": [e.to_dict() for e in self.escalations],
            "prior": [dict(p) for p in self.prior],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PlaybookRun:
        schema = data.get("schema")
        if schema != SCHEMA_VERSION:
            raise CalltriageError(
                f"stored run has schema {schema!r}, this calltriage reads {SCHEMA_VERSION}: "
                "upgrade calltriage or run `calltriage init` to migrate"
            )
        return cls(
            playbook_id=data["playbook_id"],
            version=data["version"],
            answers=tuple((str(n), str(o)) for n, o in data["answers"]),
            current=data["current"],
            level=int(data["level"]),
            status=IncidentStatus(data["status"]),
            resolution=data["resolution"],
            category=data["category"],
            handoff=data["handoff"],
            path=tuple(data["path"]),
            escalations=tuple(Escalation(**e) for e in data["escalations"]),
            prior=tuple(data.get("prior") or ()),
        )


def start(spec: PlaybookSpec) -> PlaybookRun:
    run = PlaybookRun(playbook_id=spec.id, version=spec.version)
    run, _ = _enter(spec, run, spec.start)
    return run


def advance(spec: PlaybookSpec, run: PlaybookRun, outcome: str) -> tuple[PlaybookRun, list[Effect]]:
    """Answer the current node with ``outcome``; apply escalations/closes/handoffs that follow."""
    _check_spec(spec, run)
    if run.current is None:
        raise InvalidAnswer(
            f"incident is {run.status.value}, there is no step to answer: "
            "open a new incident or override an earlier step"
        )
    node = spec.node(run.current)
    if outcome not in node.outcomes:
        raise InvalidAnswer(
            f"{outcome!r} is not an outcome of {node.id}: choose one of {', '.join(node.choices)}"
        )
    run = replace(run, answers=(*run.answers, (node.id, outcome)))
    return _enter(spec, run, node.target(outcome))


def rewind(spec: PlaybookSpec, run: PlaybookRun, node_id: str) -> PlaybookRun:
    """Return the run as it was when ``node_id`` was the current step (for overrides)."""
    _check_spec(spec, run)
    index = next((i for i, (n, _) in enumerate(run.answers) if n == node_id), None)
    if index is None:
        raise InvalidAnswer(
            f"{node_id} was not answered in this incident's {spec.id} run: "
            f"override one of {', '.join(n for n, _ in run.answers) or '(none yet)'}"
        )
    replayed, _ = _enter(spec, _base(spec, run), spec.start)
    for answered, outcome in run.answers[:index]:
        assert replayed.current == answered
        replayed, _ = _apply(spec, replayed, outcome)
    return replayed


def _apply(spec: PlaybookSpec, run: PlaybookRun, outcome: str) -> tuple[PlaybookRun, list[Effect]]:
    if outcome.startswith("escalate:"):
        return escalate_to(spec, run, outcome.removeprefix("escalate:"))
    if outcome.startswith("close:"):
        return close_at(spec, run, outcome.removeprefix("close:"))
    if outcome.startswith("resolve:"):
        resolution, _, category = outcome.removeprefix("resolve:").partition(":")
        return close_as(spec, run, resolution, category)
    return advance(spec, run, outcome)


def handoff_into(run: PlaybookRun, target: PlaybookSpec) -> PlaybookRun:
    """Continue a handed-off incident in the target playbook (once it exists)."""
    frozen = {
        "playbook_id": run.playbook_id,
        "version": run.version,
        "answers": [list(a) for a in run.answers],
        "path": list(run.path[len(_prior_path(run.prior)) :]),
        "exit_level": run.level,
        "exit_escalations": len(run.escalations),
    }
    carried = replace(run, prior=(*run.prior, frozen))
    fresh, _ = _enter(target, _base(target, carried), target.start)
    return fresh


def reopen_prior(prior: PlaybookSpec, run: PlaybookRun) -> PlaybookRun:
    """The run as it was when it left its previous playbook (``prior``, pinned), for overrides there.

    Replays that playbook's answers from the state the incident had on entering it; the result is
    handed off again, and ``rewind`` can then go back to any of its steps.
    """
    if not run.prior:
        raise InvalidAnswer(f"the incident started in {run.playbook_id}: there is no earlier playbook")
    last = run.prior[-1]
    if (prior.id, prior.version) != (last["playbook_id"], last["version"]):
        raise CalltriageError(f"the previous playbook is pinned to {last['playbook_id']}@{last['version']}, "
                              f"not {prior.id}@{prior.version}: load the pinned version from the store")
    earlier = replace(run, prior=run.prior[:-1])
    replayed, _ = _enter(prior, _base(prior, earlier), prior.start)
    for _node, outcome in last["answers"]:
        replayed, _ = _apply(prior, replayed, outcome)
    return replayed


def segments(run: PlaybookRun) -> list[dict[str, Any]]:
    """The playbooks this incident walked, in order: id, pinned version and the path in each."""
    out = [{"playbook": p["playbook_id"], "version": p["version"], "path": list(p["path"])} for p in run.prior]
    out.append({"playbook": run.playbook_id, "version": run.version,
                "path": list(run.path[len(_prior_path(run.prior)):])})
    return out


def outcome_for(node: NodeSpec, result: ProbeResult) -> str | None:
    """The outcome a probe result decides for a check node (the node's ``verdicts:`` mapping of
    the result's status), or None (the operator decides).

    Silence (a watch that saw nothing) decides only the outcome the node names in ``on_silence``;
    an ``error`` (the probe could not look) never decides.
    """
    if result.status is ProbeStatus.SILENT:
        return node.on_silence if node.on_silence in node.outcomes else None
    if result.status is ProbeStatus.ERROR:
        return None
    mapped = node.verdicts.get(result.status.value)
    return mapped if mapped in node.outcomes else None


def _base(spec: PlaybookSpec, run: PlaybookRun) -> PlaybookRun:
    """The state of ``run`` just before it entered ``spec`` (after any earlier playbooks)."""
    if not run.prior:
        return PlaybookRun(playbook_id=spec.id, version=spec.version)
    last = run.prior[-1]
    return PlaybookRun(
        playbook_id=spec.id,
        version=spec.version,
        level=int(last["exit_level"]),
        path=_prior_path(run.prior),
        escalations=run.escalations[: int(last["exit_escalations"])],
        prior=run.prior,
        handoff=run.handoff,
    )


def _prior_path(prior: tuple[dict[str, Any], ...]) -> tuple[str, ...]:
    return tuple(n for p in prior for n in p["path"])


def _check_spec(spec: PlaybookSpec, run: PlaybookRun) -> None:
    if (spec.id, spec.version) != (run.playbook_id, run.version):
        raise CalltriageError(
            f"run is pinned to {run.playbook_id}@{run.version}, not {spec.id}@{spec.version}: "
            "load the pinned playbook version from the store"
        )


def _enter(spec: PlaybookSpec, run: PlaybookRun, node_id: str) -> tuple[PlaybookRun, list[Effect]]:
    """Move to ``node_id`` and apply automatic nodes until a node needs an answer or the run ends."""
    effects: list[Effect] = []
    while True:
        node = spec.node(node_id)
        run = replace(run, current=node.id, path=(*run.path, node.id), level=max(run.level, node.level))
        if node.kind is NodeKind.ESCALATE:
            assert node.request is not None and node.to_level is not None
            entry = spec.entries[node.request]
            esc = Escalation(run.level, node.to_level, node.request, node.id, entry)
            run = replace(run, escalations=(*run.escalations, esc), level=node.to_level)
            effects.append(Effect(NodeKind.ESCALATE, node.id, esc.to_dict()))
            node_id = entry
            continue
        if node.kind is NodeKind.CLOSE:
            run = replace(
                run,
                current=None,
                status=IncidentStatus.CLOSED,
                resolution=node.resolution,
                category=node.category,
            )
            effects.append(
                Effect(NodeKind.CLOSE, node.id, {"resolution": node.resolution, "category": node.category})
            )
        elif node.kind is NodeKind.HANDOFF:
            run = replace(
                run,
                current=None,
                status=IncidentStatus.HANDED_OFF,
                handoff=node.playbook,
                category=node.category,
            )
            effects.append(
                Effect(NodeKind.HANDOFF, node.id, {"playbook": node.playbook, "category": node.category})
            )
        return run, effects


def escalate_to(spec: PlaybookSpec, run: PlaybookRun, request: str) -> tuple[PlaybookRun, list[Effect]]:
    """An operator escalates by hand: continue at the entry node of ``request`` (levels only go up)."""
    _check_spec(spec, run)
    if run.over:
        raise InvalidAnswer(f"incident is {run.status.value}: only open incidents can be escalated")
    if request not in spec.entries:
        raise InvalidAnswer(f"unknown escalation request {request!r}: choose one of {', '.join(spec.entries)}")
    entry = spec.node(spec.entries[request])
    if entry.level <= run.level:
        raise InvalidAnswer(f"request {request!r} continues at level {entry.level}, not above the incident's "
                            f"level {run.level}: pick a request of a higher level")
    esc = Escalation(run.level, entry.level, request, run.current or "", entry.id)
    run = replace(run, escalations=(*run.escalations, esc), level=entry.level,
                  answers=(*run.answers, (run.current or "", f"escalate:{request}")))
    effects = [Effect(NodeKind.ESCALATE, run.current or "", esc.to_dict())]
    run, more = _enter(spec, run, entry.id)
    return run, effects + more


def close_at(spec: PlaybookSpec, run: PlaybookRun, close_node: str) -> tuple[PlaybookRun, list[Effect]]:
    """An operator closes by hand with one of the playbook's resolutions (its close nodes)."""
    _check_spec(spec, run)
    closes = [n.id for n in spec.nodes.values() if n.kind is NodeKind.CLOSE]
    if run.over:
        raise InvalidAnswer(f"incident is already {run.status.value}")
    if close_node not in closes:
        raise InvalidAnswer(f"{close_node!r} is not a close of {spec.id}: choose one of {', '.join(closes)}")
    run = replace(run, answers=(*run.answers, (run.current or "", f"close:{close_node}")))
    return _enter(spec, run, close_node)


def close_as(spec: PlaybookSpec, run: PlaybookRun, resolution: str, category: str) -> tuple[PlaybookRun, list[Effect]]:
    """Close from outside the graph (a major incident's resolution closes every linked incident,
    whatever playbook and step each one is at). Replayable like any answer."""
    _check_spec(spec, run)
    if run.over:
        raise InvalidAnswer(f"incident is already {run.status.value}")
    if not resolution or ":" in resolution or not category:
        raise InvalidAnswer(f"resolution {resolution!r} / category {category!r}: give a resolution code and a category")
    node = run.current or ""
    run = replace(run, answers=(*run.answers, (node, f"resolve:{resolution}:{category}")), current=None,
                  status=IncidentStatus.CLOSED, resolution=resolution, category=category)
    return run, [Effect(NodeKind.CLOSE, node, {"resolution": resolution, "category": category})]
