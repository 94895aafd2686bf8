"""Who works on an incident: take, assign, release.

The owner (``Incident.assignee``) is one operator of the level that owns the incident; it is
cleared whenever the incident changes level (``IncidentService._save``), so an escalation lands
unassigned in the next level's "escalated to my level" queue. Every change is an ``assigned``
event in the timeline, in the same transaction as the new owner.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind
from calltriage.engine import PlaybookRun
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import Conflict, Forbidden, InvalidAnswer, NotFound
from calltriage.services.incidents import Actor, IncidentService
from calltriage.store.auth_models import Operator
from calltriage.store.models import Incident

LEVELS = {"L1": 1, "L2": 2, "L3": 3, "admin": None}


def _open_at_my_level(actor: Actor, incident: Incident, run: PlaybookRun, verb: str) -> None:
    if run.over:
        raise InvalidAnswer(f"incident {incident.id} is {run.status.value}: only open incidents can be {verb}")
    if not actor.may_act_at(run.level):
        raise Forbidden(f"{actor.name} works at level {actor.level}, incident {incident.id} is at level {run.level}: "
                        f"ask a level-{run.level} operator or an admin")


def _record(svc: IncidentService, session: Session, incident: Incident, run: PlaybookRun, actor: Actor,
            action: str, to: str | None, note: str = "") -> None:
    data: dict[str, Any] = {"action": action, "from": incident.assignee, "to": to}
    incident.assignee = to
    svc._append(session, incident, EventKind.ASSIGNED, actor, node=run.current, note=note, data=data)
    svc._save(session, incident, run, svc.clock())


def take(svc: IncidentService, incident_id: int, *, actor: Actor, revision: int | None = None) -> dict[str, Any]:
    def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
        svc._expect(session, incident, run, None, revision)
        _open_at_my_level(actor, incident, run, "taken")
        if incident.assignee == actor.name:
            raise InvalidAnswer(f"incident {incident.id} is already yours")
        if incident.assignee is not None and revision is None:
            raise Conflict(f"incident {incident.id} is taken by {incident.assignee}: ask them, or take it over "
                           "from the incident page (it shows who owns it)")
        _record(svc, session, incident, run, actor, "take", actor.name)

    return svc._change(incident_id, change)


def assign(svc: IncidentService, incident_id: int, to: str, *, actor: Actor, revision: int | None = None,
           note: str = "") -> dict[str, Any]:
    name = to.strip().lower()

    def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
        svc._expect(session, incident, run, None, revision)
        _open_at_my_level(actor, incident, run, "assigned")
        target = session.scalars(select(Operator).where(Operator.name == name)).first()
        if target is None or target.disabled:
            raise NotFound(f"no active operator {to!r}: list them with `calltriage user list`")
        level = LEVELS.get(target.role)
        if level is not None and level != run.level:
            raise InvalidAnswer(f"{target.name} works at level {level}, incident {incident.id} is at level "
                                f"{run.level}: assign a level-{run.level} operator")
        if incident.assignee == target.name:
            raise InvalidAnswer(f"incident {incident.id} is already assigned to {target.name}")
        _record(svc, session, incident, run, actor, "assign", target.name, note)

    return svc._change(incident_id, change)


def release(svc: IncidentService, incident_id: int, *, actor: Actor, revision: int | None = None,
            note: str = "") -> dict[str, Any]:
    def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
        svc._expect(session, incident, run, None, revision)
        _open_at_my_level(actor, incident, run, "released")
        if incident.assignee is None:
            raise InvalidAnswer(f"incident {incident.id} has no owner to release")
        _record(svc, session, incident, run, actor, "release", None, note)

    return svc._change(incident_id, change)
