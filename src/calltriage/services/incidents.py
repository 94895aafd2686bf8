"""Incident use cases: open, read, answer, override, escalate, close, note.

The only place that combines the engine, the store and the catalogue; the CLI, the API and
the desk all call these functions, so they can never disagree. Every change happens in one
transaction that locks the incident row, checks what the caller expected to change (node,
revision), applies the engine, appends events and bumps the revision: a crash leaves either
the old or the new state, never a mix, and two operators can never both win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calltriage.domain.model import EventKind, NodeKind, ProbeResult, ProbeStatus
from calltriage.engine import (
    PlaybookRun,
    advance,
    close_as,
    close_at,
    escalate_to,
    handoff_into,
    outcome_for,
    reopen_prior,
    rewind,
)
from calltriage.engine import start as start_run
from calltriage.engine.run import Effect
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import Conflict, Forbidden, InvalidAnswer
from calltriage.services.catalog import PlaybookCatalog
from calltriage.services.evidence import close_instruction, decisions, summary_note
from calltriage.services.queues import incident_json, not_found
from calltriage.services.rules import (
    check_close,
    check_escalation,
    check_override,
    check_reopen,
    close_choices,
)
from calltriage.services.steps import current_step
from calltriage.store import Store
from calltriage.store.models import Event, Incident

MAX_TEXT = 10_000
DECISIONS = (EventKind.ANSWERED, EventKind.PROBED, EventKind.OVERRIDDEN)
# Events that belong to a branch of the path (an override abandons them); notes and attachments do not.
BRANCH_KINDS = (*DECISIONS, EventKind.WAITING, EventKind.ESCALATED, EventKind.CLOSED, EventKind.HANDED_OFF,
                EventKind.LEVEL_CHANGED)
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts. ``level`` None means any level (admin, or a local CLI user without accounts)."""

    name: str
    level: int | None = None

    def may_act_at(self, level: int) -> bool:
        return self.level is None or self.level == level


def _clean(text: str | None, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()  # browsers send CRLF
    if required and not value:
        raise InvalidAnswer(f"{what} is empty: give a {what}")
    if len(value) > limit:
        raise InvalidAnswer(f"{what} is {len(value)} characters long: keep it under {limit}")
    if "\x00" in value:
        raise InvalidAnswer(f"{what} contains a NUL byte: send plain text")
    return value


class IncidentService:
    def __init__(self, store: Store, catalog: PlaybookCatalog,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.catalog = catalog
        self.clock = clock
        # Called with (incident id, probe result) after each recorded probe, outside its transaction
        # (major incidents group server-side findings here).
        self.after_probe: Callable[[int, dict[str, Any]], Any] | None = None

    # -- reading -----------------------------------------------------------------------------
    def get(self, incident_id: int) -> dict[str, Any]:
        return incident_json(self.store, incident_id)

    def spec_for(self, incident: Incident | dict[str, Any]) -> PlaybookSpec:
        if isinstance(incident, dict):
            return self.catalog.pinned(incident["playbook"], incident["playbook_version"])
        return self.catalog.pinned(incident.playbook_id, incident.playbook_version)

    def walked(self, incident: dict[str, Any]) -> list[tuple[PlaybookSpec, list[str]]]:
        """Every playbook the incident walked (pinned versions) with its path there, oldest first."""
        return [(self.catalog.pinned(p["playbook"], p["version"]), p["path"]) for p in incident["playbooks"]]

    def next_step(self, incident_id: int) -> dict[str, Any]:
        return current_step(self.store, self.catalog, incident_id)

    # -- changing ----------------------------------------------------------------------------
    def open(self, *, playbook_id: str, caller: str, callee: str, summary: str = "", reporter: str = "",
             actor: Actor, complaint: str | None = None, intake: dict[str, Any] | None = None) -> dict[str, Any]:
        caller = _clean(caller, "caller", required=True, limit=200)
        callee = _clean(callee, "callee", required=True, limit=200)
        summary = _clean(summary, "summary")
        spec = self.catalog.current(playbook_id)
        self.catalog.pin(spec)
        run = start_run(spec)
        now = self.clock()
        with self.store.write() as session:
            incident = Incident(caller=caller, callee=callee, summary=summary,
                                reporter=_clean(reporter or actor.name, "reporter", limit=120),
                                playbook_id=spec.id, playbook_version=spec.version, state=run.to_dict(),
                                # whoever opens it at its level owns it ("mine") until they release it
                                assignee=actor.name if actor.level == run.level else None,
                                revision=0, opened_at=now, updated_at=now, complaint=complaint, intake=intake)
            session.add(incident)
            session.flush()
            self._append(session, incident, EventKind.OPENED, actor, node=None,
                         data={"playbook": spec.id, "version": spec.version, "caller": caller, "callee": callee,
                               **({"complaint": complaint} if complaint else {})},
                         note=summary)
            self._save(session, incident, run, now)
            incident_id = incident.id
        return self.get(incident_id)

    def answer(self, incident_id: int, outcome: str, *, actor: Actor, note: str = "", node: str | None = None,
               revision: int | None = None) -> dict[str, Any]:
        note = _clean(note, "note")

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, node, revision)
            self._check_level(actor, run)
            new_run, effects = advance(spec, run, outcome)
            if incident.assignee is None and actor.level is not None and actor.level == run.level:
                # The first operator of the level who answers owns the incident from then on.
                self._append(session, incident, EventKind.ASSIGNED, actor, node=run.current,
                             data={"action": "take", "from": None, "to": actor.name, "auto": True})
                incident.assignee = actor.name
            self._append(session, incident, EventKind.ANSWERED, actor, node=run.current, outcome=outcome,
                         note=note, data={"source": "operator"})
            self._finish(session, incident, new_run, effects, actor)

        return self._change(incident_id, change)

    def record_probe(self, incident_id: int, node: str, result: ProbeResult, *, actor: Actor,
                     revision: int | None = None, watch: dict[str, Any] | None = None,
                     ) -> tuple[dict[str, Any], str | None]:
        """Store a probe result for ``node``; if it decides an outcome, advance. Returns (view, outcome).

        ``watch`` describes a watch step's window (since, seconds, instruction): with a silent
        result it is what the operator sees as "no evidence yet"."""
        decided: list[str | None] = [None]

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, node, revision)
            spec_node = spec.node(node)
            outcome = outcome_for(spec_node, result)
            decided[0] = outcome
            data: dict[str, Any] = {"source": "probe", "result": result.to_dict()}
            if watch is not None:
                data["watch"] = dict(watch)
            if outcome is not None and result.status is ProbeStatus.SILENT:
                data["on_silence"] = True  # the playbook accepts this outcome on silence, explicitly
            self._append(session, incident, EventKind.PROBED, actor, node=node, outcome=outcome,
                         note=result.summary, data=data)
            if outcome is not None:
                new_run, effects = advance(spec, run, outcome)
                self._finish(session, incident, new_run, effects, actor)
            else:
                self._save(session, incident, run, self.clock())

        view = self._change(incident_id, change)
        if self.after_probe is not None:
            try:
                self.after_probe(incident_id, result.to_dict())
            except Exception:  # the result is stored; grouping it must never stop the triage
                _log.exception("grouping the probe result of incident %s failed", incident_id)
        return view, decided[0]

    def record_waiting(self, incident_id: int, node: str, instruction: str, *, actor: Actor,
                       wait: float, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record that the user was asked to act (reconnect, call), or that the server is watched
        again for it; watch probes look after the first request of this visit of the step."""

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, node, None)
            self._append(session, incident, EventKind.WAITING, actor, node=node, note=instruction,
                         data={"wait": wait, **(data or {})})
            self._save(session, incident, run, self.clock())

        return self._change(incident_id, change)

    def override(self, incident_id: int, node: str, outcome: str, *, actor: Actor, reason: str,
                 revision: int | None = None) -> dict[str, Any]:
        reason = _clean(reason, "reason", required=True)

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, None, revision)
            if run.over:
                check_override(actor.level, actor.name, run, run.level)
            owner = run
            # A step of an earlier playbook (before a handoff): go back into that playbook first.
            while node not in dict(run.answers) and run.prior:
                spec = self.catalog.pinned(run.prior[-1]["playbook_id"], run.prior[-1]["version"])
                run = reopen_prior(spec, run)
            previous = dict(run.answers).get(node)
            rewound = rewind(spec, run, node)
            check_override(actor.level, actor.name, owner, rewound.level)
            new_run, effects = advance(spec, rewound, outcome)
            superseded = self._branch_from(session, incident, node, previous)
            self._append(session, incident, EventKind.OVERRIDDEN, actor, node=node, outcome=outcome, note=reason,
                         data={"previous": previous, "level": rewound.level, "from_level": owner.level,
                               "superseded": superseded})
            self._level_changed(session, incident, actor, owner.level, rewound.level, "override", reason)
            self._finish(session, incident, new_run, effects, actor)

        return self._change(incident_id, change)

    def reopen(self, incident_id: int, *, actor: Actor, reason: str, revision: int | None = None) -> dict[str, Any]:
        """Reopen a closed (or handed-off) incident at the step whose answer ended it."""
        reason = _clean(reason, "reason", required=True)

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, None, revision)
            if not run.over:
                raise InvalidAnswer(f"incident {incident.id} is open: there is nothing to reopen")
            check_reopen(actor.level, actor.name, run.level)
            if not run.answers:
                raise InvalidAnswer(f"incident {incident.id} ended before any answer: open a new incident")
            node = run.answers[-1][0]
            rewound = rewind(spec, run, node)
            self._append(session, incident, EventKind.REOPENED, actor, node=node, note=reason,
                         data={"status": run.status.value, "resolution": run.resolution, "from_level": run.level,
                               "level": rewound.level}, level=rewound.level)
            self._level_changed(session, incident, actor, run.level, rewound.level, "reopen", reason)
            self._save(session, incident, rewound, self.clock())

        return self._change(incident_id, change)

    def escalate(self, incident_id: int, request: str, *, actor: Actor, note: str = "",
                 revision: int | None = None, node: str | None = None) -> dict[str, Any]:
        note = _clean(note, "note")

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, node, revision)
            self._check_level(actor, run)
            check_escalation(spec, run, request, note)
            new_run, effects = escalate_to(spec, run, request)
            self._finish(session, incident, new_run, effects, actor, note=note)

        return self._change(incident_id, change)

    def close(self, incident_id: int, resolution: str, *, actor: Actor, note: str = "",
              revision: int | None = None, node: str | None = None, anyway: bool = False) -> dict[str, Any]:
        """Close by hand with a resolution code or close node id; the current step's own closes are
        allowed, any other needs ``anyway`` and a reason in ``note`` (see ``services.rules``)."""
        note = _clean(note, "note")

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            self._expect(session, incident, run, node, revision)
            self._check_level(actor, run)
            codes = {c.resolution: c.node for c in close_choices(spec, run)}
            close_node = codes.get(resolution, resolution)
            check_close(spec, run, close_node, anyway=anyway, reason=note)
            new_run, effects = close_at(spec, run, close_node)
            allowed = any(c.node == close_node and c.allowed for c in close_choices(spec, run))
            self._finish(session, incident, new_run, effects, actor, note=note,
                         extra={} if allowed else {"anyway": True})

        return self._change(incident_id, change)

    def close_as(self, incident_id: int, resolution: str, category: str, *, actor: Actor, note: str = "",
                 data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Close from outside the playbook (a major incident's resolution), whatever step it is at."""
        note = _clean(note, "note")

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            new_run, effects = close_as(spec, run, resolution, category)
            effects = [Effect(e.kind, e.node, {**e.data, **(data or {})}) for e in effects]
            self._finish(session, incident, new_run, effects, actor, note=note)

        return self._change(incident_id, change)

    def add_note(self, incident_id: int, text: str, *, actor: Actor, kind: EventKind = EventKind.NOTE,
                 data: dict[str, Any] | None = None,
                 within: Callable[[Session, Incident], dict[str, Any]] | None = None) -> dict[str, Any]:
        """Append a note-like event. ``within`` runs in the same transaction (e.g. storing an
        attachment) and returns extra event data: both land together or neither does."""
        text = _clean(text, "note", required=kind is EventKind.NOTE)

        def change(session: Session, incident: Incident, spec: PlaybookSpec, run: PlaybookRun) -> None:
            extra = within(session, incident) if within is not None else {}
            self._append(session, incident, kind, actor, node=run.current, note=text, data={**(data or {}), **extra})
            self._save(session, incident, run, self.clock())

        return self._change(incident_id, change)

    # -- internals ---------------------------------------------------------------------------
    def _change(self, incident_id: int, change: Callable[[Session, Incident, PlaybookSpec, PlaybookRun], None],
                ) -> dict[str, Any]:
        with self.store.write() as session:
            incident = self._find(session, incident_id, lock=True)
            spec = self.spec_for(incident)
            run = PlaybookRun.from_dict(incident.state)
            change(session, incident, spec, run)
        return self.get(incident_id)

    def _find(self, session: Session, incident_id: int, *, lock: bool = False) -> Incident:
        stmt = select(Incident).where(Incident.id == incident_id)
        if lock:
            stmt = stmt.with_for_update()
        incident = session.scalars(stmt).first()
        if incident is None:
            raise not_found(incident_id)
        return incident

    def _expect(self, session: Session, incident: Incident, run: PlaybookRun, node: str | None,
                revision: int | None) -> None:
        if node is not None and run.current != node:
            last = session.scalars(
                select(Event).where(Event.incident_id == incident.id, Event.node == node,
                                    Event.kind.in_([EventKind.ANSWERED, EventKind.PROBED, EventKind.OVERRIDDEN]))
                .order_by(Event.seq.desc())).first()
            by = f" by {last.actor} ({last.outcome})" if last is not None and last.outcome else ""
            now = f"at {run.current}" if run.current else run.status.value
            raise Conflict(f"incident {incident.id}: step {node} was already answered{by}; it is now {now}: "
                           "reload the incident and continue from there")
        if revision is not None and incident.revision != revision:
            raise Conflict(f"incident {incident.id} changed (revision {incident.revision}, you had {revision}): "
                           "reload it and try again")

    def _check_level(self, actor: Actor, run: PlaybookRun) -> None:
        if run.over:
            raise InvalidAnswer(f"incident is {run.status.value}: there is no step to act on")
        if not actor.may_act_at(run.level):
            raise Forbidden(f"{actor.name} works at level {actor.level}, this incident is at level {run.level}: "
                            "ask a level-{0} operator or an admin".format(run.level))

    def _finish(self, session: Session, incident: Incident, run: PlaybookRun, effects: list[Effect],
                actor: Actor, note: str = "", extra: dict[str, Any] | None = None) -> None:
        # Every move names the decisions it rests on; an escalation also summarises them in its note.
        found = decisions(session, incident.id, run.answers) if effects else []
        for effect in effects:
            data = {**effect.data, "evidence": found}
            if effect.kind is NodeKind.ESCALATE:
                summary = summary_note(found, to_level=effect.data["to_level"], request=effect.data["request"])
                self._append(session, incident, EventKind.ESCALATED, actor, node=effect.node,
                             note=note or summary, data={**data, "summary": summary},
                             level=effect.data["to_level"])
                found = []  # what follows at the next level rests on that level's own findings
            elif effect.kind is NodeKind.CLOSE:
                prompt = self.catalog.pinned(run.playbook_id, run.version).node(effect.node).prompt
                data["instruction"] = close_instruction(found, prompt)
                self._append(session, incident, EventKind.CLOSED, actor, node=effect.node, note=note,
                             data={**data, **(extra or {})}, level=run.level)
            elif effect.kind is NodeKind.HANDOFF:
                target = effect.data["playbook"]
                continues = self.catalog.store is not None and self.catalog.exists(target)
                self._append(session, incident, EventKind.HANDED_OFF, actor, node=effect.node, note=note,
                             data={**data, "continues": continues}, level=run.level)
                if continues:
                    target_spec = self.catalog.current(target)
                    self._pin_in(session, target_spec)
                    run = handoff_into(run, target_spec)
        self._save(session, incident, run, self.clock(), decided=bool(effects))

    def _branch_from(self, session: Session, incident: Incident, node: str, previous: str | None) -> list[int]:
        """Seqs of the step events an override abandons: from the overridden decision on."""
        decided = session.scalar(
            select(func.max(Event.seq)).where(Event.incident_id == incident.id, Event.node == node,
                                              Event.kind.in_(DECISIONS), Event.outcome == previous))
        if decided is None:
            return []
        return list(session.scalars(select(Event.seq).where(Event.incident_id == incident.id, Event.seq >= decided,
                                                            Event.kind.in_(BRANCH_KINDS)).order_by(Event.seq)))

    def _level_changed(self, session: Session, incident: Incident, actor: Actor, before: int, after: int,
                       why: str, note: str) -> None:
        if before != after:
            self._append(session, incident, EventKind.LEVEL_CHANGED, actor, node=None, note=note,
                         data={"from_level": before, "to_level": after, "by": why}, level=after)

    def _pin_in(self, session: Session, spec: PlaybookSpec) -> None:
        from calltriage.store.models import PlaybookVersion

        if session.get(PlaybookVersion, (spec.id, spec.version)) is None:
            session.add(PlaybookVersion(playbook_id=spec.id, version=spec.version, title=spec.title,
                                        source=spec.source, path=spec.path, stored_at=self.clock()))

    def _append(self, session: Session, incident: Incident, kind: EventKind, actor: Actor, *, node: str | None,
                outcome: str | None = None, note: str = "", data: dict[str, Any] | None = None,
                level: int | None = None) -> None:
        seq = (session.scalar(select(func.max(Event.seq)).where(Event.incident_id == incident.id)) or 0) + 1
        session.add(Event(incident_id=incident.id, seq=seq, revision=incident.revision + 1, at=self.clock(),
                          kind=kind.value, actor=actor.name, node=node, outcome=outcome,
                          level=level or incident.level, note=note, data=data or {}))

    def _save(self, session: Session, incident: Incident, run: PlaybookRun, now: datetime,
              decided: bool = False) -> None:
        if run.playbook_id != incident.playbook_id:
            incident.playbook_id, incident.playbook_version = run.playbook_id, run.version
        incident.state = run.to_dict()
        if run.level != incident.level:
            incident.assignee = None  # a new level picks it up from its "escalated to my level" queue
        incident.level = run.level
        incident.status = run.status.value
        incident.current_node = run.current
        incident.resolution = run.resolution
        incident.category = run.category
        incident.handoff = run.handoff
        incident.revision += 1
        incident.updated_at = now
        if run.over and (decided or incident.closed_at is None):
            incident.closed_at = now
        elif not run.over:
            incident.closed_at = None
        session.flush()


