"""What the API and the desk share about probe jobs: continuing after an operator's answer."""

from __future__ import annotations

from typing import Any

from calltriage.errors import Forbidden, InvalidAnswer
from calltriage.services.models import IncidentOut
from calltriage.services.operators import OperatorInfo
from calltriage.web.state import WebState


def follow_up(ct: WebState, view: IncidentOut | dict[str, Any], op: OperatorInfo) -> bool:
    """After an answer or override, queue probes for what follows (as the CLI's ``_continue``):
    only with a server configured and when ``services.cases`` says the step is a probe's."""
    if not ct.jobs.configured or not ct.services.cases.needs_probes(view):
        return False
    incident = view.id if isinstance(view, IncidentOut) else view["id"]
    return ct.jobs.follow_up(incident, actor=op.actor) is not None


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
