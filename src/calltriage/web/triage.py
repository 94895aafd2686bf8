"""What the API and the desk share about probe jobs: continuing after an operator's answer."""

from __future__ import annotations

from typing import Any

from calltriage.domain.model import NodeKind
from calltriage.errors import Forbidden, InvalidAnswer
from calltriage.services.operators import OperatorInfo
from calltriage.web.state import WebState


def follow_up(ct: WebState, view: dict[str, Any], op: OperatorInfo) -> bool:
    """After an answer or override, queue probes for what follows (as the CLI's ``_continue``):
    only with a server configured and when the incident now stands on a check with a probe."""
    if not ct.jobs.configured or view["status"] != "open" or not view["current"]:
        return False
    node = ct.services.incidents.spec_for(view).nodes.get(view["current"])
    if node is None or node.kind is not NodeKind.CHECK or not node.probe:
        return False
    return ct.jobs.follow_up(view["id"], actor=op.actor) is not None


def may_probe(ct: WebState, op: OperatorInfo, view: dict[str, Any]) -> None:
    """Running probes acts on the incident: an operator of its level, or an admin."""
    if view["status"] != "open":
        raise InvalidAnswer(f"incident {view['id']} is {view['status']}: there is no step left to probe")
    if not op.actor.may_act_at(view["level"]):
        raise Forbidden(f"{op.name} works at level {op.level}, incident {view['id']} is at level {view['level']}: "
                        f"ask a level-{view['level']} operator or an admin")


def may_watch(ct: WebState, op: OperatorInfo, view: dict[str, Any]) -> None:
    """Watching again acts on the incident (``may_probe``) and needs a watch step to watch."""
    may_probe(ct, op, view)
    step = ct.services.incidents.next_step(view["id"])
    if step.get("watch") is None:
        raise InvalidAnswer(f"step {step['node']} of incident {view['id']} asks the user for nothing, so there is "
                            "nothing to watch: answer it or run the probes")
