"""The desk's rules, in one place: what an operator may close, escalate and override, and when.

Pure functions over the playbook and the run (no I/O), called by ``IncidentService`` before it
changes anything and by the read models that tell every front end which actions to offer, so
the CLI, the API and the desk can never offer what the service would refuse.

- **Close**: the current step allows the close nodes its outcomes lead to directly. Any other
  resolution of the playbook needs an explicit "close anyway" with a reason.
- **Escalate**: only to the next level (L1 to L2, L2 to L3), always with a note.
- **Override** an earlier verdict: only on an open incident (reopen a closed one first), only by
  an operator of the level that owns the incident now (or an admin), and only for a step at or
  below that level. A closed incident is reopened only by the level that closed it or above.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calltriage.domain.model import NodeKind
from calltriage.engine import PlaybookRun
from calltriage.engine.spec import NodeSpec, PlaybookSpec
from calltriage.errors import Forbidden, InvalidAnswer

_SENTENCE = re.compile(r"(?<=[.?!])\s+")


@dataclass(frozen=True, slots=True)
class CloseChoice:
    node: str
    resolution: str
    category: str
    title: str
    allowed: bool  # offered by the current step; the others need "close anyway" with a reason


def step_title(node: NodeSpec | None) -> str:
    """A short title of a step for people: the prompt's last sentence (the question it asks)."""
    if node is None:
        return ""
    sentences = [s for s in _SENTENCE.split(node.prompt.strip()) if s]
    return sentences[-1] if sentences else node.id


def title_of(spec: PlaybookSpec, node_id: str | None) -> str:
    if not node_id:
        return ""
    node = spec.nodes.get(node_id)
    return step_title(node) if node is not None else node_id


def close_choices(spec: PlaybookSpec, run: PlaybookRun) -> list[CloseChoice]:
    """Every resolution of the playbook, the current step's own first (``allowed``)."""
    direct: set[str] = set()
    if run.current and not run.over:
        node = spec.node(run.current)
        direct = {o.next for o in node.outcomes.values() if spec.node(o.next).kind is NodeKind.CLOSE}
    out = [CloseChoice(n.id, n.resolution or n.id, n.category or "", step_title(n), n.id in direct)
           for n in spec.nodes.values() if n.kind is NodeKind.CLOSE]
    return sorted(out, key=lambda c: (not c.allowed, c.resolution))


def check_close(spec: PlaybookSpec, run: PlaybookRun, close_node: str, *, anyway: bool, reason: str) -> None:
    choices = {c.node: c for c in close_choices(spec, run)}
    choice = choices.get(close_node)
    if choice is None:
        raise InvalidAnswer(f"{close_node!r} is not a resolution of {spec.id}: choose one of "
                            f"{', '.join(sorted(c.resolution for c in choices.values()))}")
    if choice.allowed:
        return
    allowed = [c.resolution for c in choices.values() if c.allowed]
    offer = f"this step offers {', '.join(allowed)}" if allowed else "this step offers no close"
    if not anyway:
        raise InvalidAnswer(f"step {run.current} does not lead to {choice.resolution} ({offer}): "
                            "answer the step, or close anyway with a reason")
    if not reason.strip():
        raise InvalidAnswer(f"closing as {choice.resolution} anyway needs a reason: write why in the note")


def escalation_choices(spec: PlaybookSpec, run: PlaybookRun) -> dict[str, int]:
    """{request: level} an operator may escalate to by hand: the next level only."""
    if run.over:
        return {}
    return {req: spec.node(entry).level for req, entry in spec.entries.items()
            if spec.node(entry).level == run.level + 1}


def check_escalation(spec: PlaybookSpec, run: PlaybookRun, request: str, note: str) -> None:
    allowed = escalation_choices(spec, run)
    if request in spec.entries and request not in allowed:
        level = spec.node(spec.entries[request]).level
        offer = ", ".join(allowed) or "none (this is the last level)"
        raise InvalidAnswer(f"request {request!r} continues at level {level}; from level {run.level} escalate "
                            f"to the next level only: {offer}")
    if request in allowed and not note.strip():
        raise InvalidAnswer("an escalation needs a note for the next level: say what was checked and found")


def check_override(actor_level: int | None, actor_name: str, run: PlaybookRun, step_level: int) -> None:
    """Overrides stay within the level that owns the incident (see the module docstring)."""
    if run.over:
        raise InvalidAnswer(f"the incident is {run.status.value}: reopen it before overriding a verdict")
    if actor_level is None:
        return
    if actor_level != run.level:
        raise Forbidden(f"{actor_name} works at level {actor_level}, the incident is owned by level {run.level}: "
                        f"only a level-{run.level} operator or an admin may override its verdicts")
    if step_level > run.level:
        raise Forbidden(f"step is at level {step_level}, above the incident's level {run.level}: ask an admin")


def check_reopen(actor_level: int | None, actor_name: str, closed_level: int) -> None:
    if actor_level is not None and actor_level < closed_level:
        raise Forbidden(f"{actor_name} works at level {actor_level}, the incident was closed at level "
                        f"{closed_level}: only level {closed_level} or above (or an admin) may reopen it")


def consequence(spec: PlaybookSpec, node_id: str, outcome: str) -> str | None:
    """What an answer does beyond moving to the next step (closes, escalates, hands off), for a
    confirmation; None for an ordinary step."""
    node = spec.nodes.get(node_id)
    if node is None or outcome not in node.outcomes:
        return None
    target = spec.node(node.outcomes[outcome].next)
    if target.kind is NodeKind.CLOSE:
        return f"This closes the incident as {target.resolution}."
    if target.kind is NodeKind.HANDOFF:
        return f"This hands the incident off to {target.playbook} ({target.category})."
    if target.kind is NodeKind.ESCALATE:
        return f"This escalates the incident to level {target.to_level} ({target.request})."
    return None
