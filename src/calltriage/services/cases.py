"""The use-case API: every front end (CLI, API, desk) calls these and renders what they return.

One method per thing an operator does (open, take, assign, release, answer, override, reopen,
note, escalate, close, attach, dossier) plus the reads (incident, step, list, the actions the
operator may take now). The rules live in ``IncidentService`` and ``services.rules``; this
layer turns their results into the typed read models of ``services.models``.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from calltriage.domain.model import NodeKind
from calltriage.engine import PlaybookRun
from calltriage.services import ownership
from calltriage.services.incidents import Actor, IncidentService
from calltriage.services.models import (
    ActionsOut,
    CloseOption,
    EscalationOption,
    IncidentOut,
    IncidentPage,
    OverrideOption,
    StepOut,
)
from calltriage.services.rules import close_choices, escalation_choices, title_of
from calltriage.store.auth_models import Operator

if TYPE_CHECKING:
    from calltriage.services.context import App


class IncidentCases:
    def __init__(self, app: App) -> None:
        self.app = app
        self.svc: IncidentService = app.incidents

    # -- reads -------------------------------------------------------------------------------
    def get(self, incident_id: int) -> IncidentOut:
        return IncidentOut.model_validate(self.svc.get(incident_id))

    def step(self, incident_id: int) -> StepOut:
        return StepOut.model_validate(self.svc.next_step(incident_id))

    def list(self, *, status: str | None = None, level: int | None = None, query: str | None = None,
             limit: int = 50, offset: int = 0) -> IncidentPage:
        items, total = self.svc.list_incidents(status=status, level=level, query=query, limit=limit, offset=offset)
        return IncidentPage(total=total, limit=limit, offset=offset,
                            items=[IncidentOut.model_validate(i) for i in items])

    def actions(self, incident_id: int, actor: Actor, view: IncidentOut | None = None) -> ActionsOut:
        view = view or self.get(incident_id)
        spec = self.svc.catalog.pinned(view.playbook, view.playbook_version)
        run = PlaybookRun.from_dict(self._state(incident_id))
        is_open = view.status == "open"
        can_act = is_open and actor.may_act_at(view.level)
        closes = [CloseOption(node=c.node, resolution=c.resolution, category=c.category, title=c.title,
                              allowed=c.allowed) for c in close_choices(spec, run)] if can_act else []
        escalations = [EscalationOption(request=r, level=lvl, title=title_of(spec, spec.entries[r]))
                       for r, lvl in escalation_choices(spec, run).items()] if can_act else []
        can_override = is_open and (actor.level is None or actor.level == view.level)
        overrides: list[OverrideOption] = []
        if can_override:
            given = dict(run.answers)
            # Every playbook the incident walked (a handoff continues the same incident): a node id
            # answered in two playbooks refers to the latest one, as the service's override does.
            seen: dict[str, list[OverrideOption]] = {}
            for part, path in self.svc.walked(view.model_dump()):
                for node_id in dict.fromkeys(path):
                    node = part.nodes.get(node_id)
                    if node is None or node.id == view.current or node.level > view.level or \
                            node.kind not in (NodeKind.QUESTION, NodeKind.CHECK):
                        continue
                    seen[node.id] = [OverrideOption(node=node.id, title=title_of(part, node.id), level=node.level,
                                                    outcome=name, label=o.label or name,
                                                    given=given.get(node.id) == name)
                                     for name, o in node.outcomes.items()]
            overrides = [o for options in seen.values() for o in options]
        return ActionsOut(
            incident=view.id, revision=view.revision, node=view.current, can_act=can_act,
            can_take=can_act and view.assignee != actor.name,
            can_release=can_act and view.assignee is not None,
            can_assign=can_act, can_reopen=not is_open and (actor.level is None or actor.level >= view.level),
            can_override=can_override and bool(overrides),
            assignees=self._operators_at(view.level) if can_act else [],
            closes=closes, escalations=escalations, overrides=overrides,
            escalation_note=self.escalation_draft(view) if escalations else "",
        )

    def escalation_draft(self, view: IncidentOut) -> str:
        """A note for the next level from what was found so far (answers and probe summaries that stand)."""
        spec = self.svc.catalog.pinned(view.playbook, view.playbook_version)
        lines = [f"Escalated from L{view.level}: {view.caller} cannot call {view.callee}."]
        if view.summary:
            lines.append(f"Reported: {view.summary}")
        for e in view.events or []:
            if e.superseded or e.kind not in ("answered", "probed", "overridden"):
                continue
            result = (e.data or {}).get("result") or {}
            found = f" ({result.get('summary')})" if result.get("summary") else ""
            outcome = e.outcome or "no verdict"
            lines.append(f"- L{e.level} {title_of(spec, e.node)} → {outcome}{found}")
        return "\n".join(lines)

    def needs_probes(self, view: IncidentOut | dict[str, Any]) -> bool:
        """Continue with probes after an answer? Only when the incident now stands on a check with a probe."""
        data = view.model_dump() if isinstance(view, IncidentOut) else view
        if data["status"] != "open" or not data["current"]:
            return False
        node = self.svc.spec_for(data).nodes.get(data["current"])
        return node is not None and node.kind is NodeKind.CHECK and bool(node.probe)

    # -- changes -----------------------------------------------------------------------------
    def open(self, *, playbook_id: str, caller: str, callee: str, summary: str = "", reporter: str = "",
             actor: Actor) -> IncidentOut:
        return self._out(lambda: self.svc.open(playbook_id=playbook_id, caller=caller, callee=callee,
                                               summary=summary, reporter=reporter, actor=actor))

    def take(self, incident_id: int, *, actor: Actor, revision: int | None = None) -> IncidentOut:
        return self._out(lambda: ownership.take(self.svc, incident_id, actor=actor, revision=revision))

    def assign(self, incident_id: int, to: str, *, actor: Actor, revision: int | None = None) -> IncidentOut:
        return self._out(lambda: ownership.assign(self.svc, incident_id, to, actor=actor, revision=revision))

    def release(self, incident_id: int, *, actor: Actor, revision: int | None = None) -> IncidentOut:
        return self._out(lambda: ownership.release(self.svc, incident_id, actor=actor, revision=revision))

    def answer(self, incident_id: int, outcome: str, *, actor: Actor, note: str = "", node: str | None = None,
               revision: int | None = None) -> IncidentOut:
        return self._out(lambda: self.svc.answer(incident_id, outcome, actor=actor, note=note, node=node,
                                                 revision=revision))

    def override(self, incident_id: int, node: str, outcome: str, *, actor: Actor, reason: str,
                 revision: int | None = None) -> IncidentOut:
        return self._out(lambda: self.svc.override(incident_id, node, outcome, actor=actor, reason=reason,
                                                   revision=revision))

    def reopen(self, incident_id: int, *, actor: Actor, reason: str, revision: int | None = None) -> IncidentOut:
        return self._out(lambda: self.svc.reopen(incident_id, actor=actor, reason=reason, revision=revision))

    def note(self, incident_id: int, text: str, *, actor: Actor) -> IncidentOut:
        return self._out(lambda: self.svc.add_note(incident_id, text, actor=actor))

    def escalate(self, incident_id: int, request: str, *, actor: Actor, note: str = "",
                 revision: int | None = None, node: str | None = None) -> IncidentOut:
        return self._out(lambda: self.svc.escalate(incident_id, request, actor=actor, note=note, revision=revision,
                                                   node=node))

    def close(self, incident_id: int, resolution: str, *, actor: Actor, note: str = "",
              revision: int | None = None, node: str | None = None, anyway: bool = False) -> IncidentOut:
        return self._out(lambda: self.svc.close(incident_id, resolution, actor=actor, note=note, revision=revision,
                                                node=node, anyway=anyway))

    def attach(self, incident_id: int, filename: str, data: bytes | Callable[[], bytes], *,
               actor: Actor) -> dict[str, Any]:
        """Check, redact and store a client log (nothing stored when it is refused)."""
        from calltriage.services.attachments import attach_log

        return attach_log(self.app, incident_id, filename, data, actor)

    def attachments(self, incident_id: int) -> dict[str, Any]:
        """The incident's logs and the latest one's ranked causes with their lines."""
        from calltriage.services.attachments import analyze_attachments, list_attachments
        from calltriage.services.dossier import findings_of

        log = analyze_attachments(self.app.store, incident_id)
        return {"logs": list_attachments(self.app.store, incident_id), "latest": log,
                "findings": findings_of(log)}

    def dossier(self, incident_id: int, fmt: str, *, pseudonymise: bool = False) -> str:
        from calltriage.services.dossier import dossier_text

        return dossier_text(self.app, incident_id, fmt, pseudonymise=pseudonymise)

    # -- internals ---------------------------------------------------------------------------
    def _out(self, change: Callable[[], dict[str, Any]]) -> IncidentOut:
        return IncidentOut.model_validate(change())

    def _state(self, incident_id: int) -> dict[str, Any]:
        from calltriage.store.models import Incident

        with self.app.store.read() as session:
            return dict(session.scalar(select(Incident.state).where(Incident.id == incident_id)) or {})

    def _operators_at(self, level: int) -> builtins.list[str]:
        roles = [r for r, lvl in ownership.LEVELS.items() if lvl == level]
        with self.app.store.read() as session:
            return list(session.scalars(select(Operator.name).where(Operator.role.in_(roles),
                                                                    Operator.disabled.is_(False))
                                        .order_by(Operator.name)))
