"""Major incidents: several open incidents that share a server-side finding within a time window.

When a server probe (network test, server checks) fails for an incident, the incidents whose
probes found the same thing (``findings.finding_of``: same endpoint and failure, same expired
certificate, same failed services) within ``window`` seconds are counted; at ``threshold`` open
incidents a major incident is proposed and links them, later ones join it. Each linked incident
gets a ``major`` event in its timeline (webhooks send it as ``incident.major``). Closing the major
incident closes every linked open incident with its resolution and a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calltriage.domain.model import Category, EventKind, IncidentStatus
from calltriage.errors import Forbidden, InvalidAnswer, NotFound
from calltriage.services.findings import SERVER_PROBES, Finding, finding_of
from calltriage.services.incidents import Actor, IncidentService
from calltriage.services.views import iso
from calltriage.store.models import Event, Incident, MajorIncident

SYSTEM = Actor("calltriage")


@dataclass(frozen=True)
class MajorSettings:
    threshold: int = 3  # open incidents with one finding before a major incident is proposed
    window: float = 3600.0  # seconds: findings older than this do not count


def major_view(major: MajorIncident, incidents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": major.id, "status": major.status, "title": major.title, "probe": major.probe, "key": major.key,
        "resolution": major.resolution, "category": major.category, "note": major.note,
        "finding": major.finding, "opened_at": iso(major.opened_at), "updated_at": iso(major.updated_at),
        "closed_at": iso(major.closed_at), "closed_by": major.closed_by,
    }
    if incidents is not None:
        view["incidents"] = incidents
    return view


class MajorService:
    def __init__(self, incidents: IncidentService, settings: MajorSettings | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.incidents = incidents
        self.store = incidents.store
        self.settings = settings or MajorSettings()
        self.clock = clock or incidents.clock

    # -- grouping ----------------------------------------------------------------------------
    def consider(self, incident_id: int, result: dict[str, Any]) -> dict[str, Any] | None:
        """After a probe result: if it is a server-side finding, group the incidents that share it."""
        finding = finding_of(result)
        if finding is None:
            return None
        return self._group(finding)

    def scan(self) -> list[dict[str, Any]]:
        """Group every finding of the window (e.g. after changing the threshold)."""
        findings: dict[str, Finding] = {}
        for _incident, result in self._recent_results():
            found = finding_of(result)
            if found is not None:
                findings.setdefault(found.key, found)
        out = [self._group(f) for f in findings.values()]
        return [m for m in out if m is not None]

    def _recent_results(self) -> list[tuple[int, dict[str, Any]]]:
        since = self.clock() - timedelta(seconds=self.settings.window)
        with self.store.read() as session:
            rows = session.execute(
                select(Event.incident_id, Event.data).join(Incident, Incident.id == Event.incident_id)
                .where(Event.kind == EventKind.PROBED.value, Event.at >= since,
                       Incident.status == IncidentStatus.OPEN.value)
                .order_by(Event.id)).all()
        out = []
        for incident_id, data in rows:
            result = (data or {}).get("result") or {}
            if result.get("probe") in SERVER_PROBES:
                out.append((int(incident_id), result))
        return out

    def _group(self, finding: Finding) -> dict[str, Any] | None:
        sharing = sorted({i for i, r in self._recent_results() if (f := finding_of(r)) and f.key == finding.key})
        try:
            return self._link(finding, sharing)
        except IntegrityError:  # another process opened it at the same moment: join theirs
            return self._link(finding, sharing)

    def _link(self, finding: Finding, sharing: list[int]) -> dict[str, Any] | None:
        now = self.clock()
        with self.store.write() as session:
            major = session.scalars(select(MajorIncident).where(MajorIncident.open_key == finding.key)
                                    .with_for_update()).first()
            if major is None and len(sharing) < self.settings.threshold:
                return None
            if major is None:
                major = MajorIncident(key=finding.key, open_key=finding.key, title=finding.title, probe=finding.probe,
                                      status="open", note="", finding=finding.evidence, opened_at=now,
                                      updated_at=now)
                session.add(major)
                session.flush()
            rows = session.scalars(select(Incident).where(Incident.id.in_(sharing), Incident.major_id.is_(None),
                                                          Incident.status == IncidentStatus.OPEN.value)
                                   .with_for_update()).all()
            for incident in rows:
                incident.major_id = major.id
                self._event(session, incident, now, f"Linked to major incident {major.id}: {major.title}",
                            {"major": major.id, "action": "linked", "title": major.title, "key": major.key})
            if rows:
                major.updated_at = now
            major_id = major.id
        return self.get(major_id)

    def _event(self, session: Session, incident: Incident, now: datetime, note: str, data: dict[str, Any]) -> None:
        seq = (session.scalar(select(func.max(Event.seq)).where(Event.incident_id == incident.id)) or 0) + 1
        incident.revision += 1
        incident.updated_at = now
        session.add(Event(incident_id=incident.id, seq=seq, revision=incident.revision, at=now,
                          kind=EventKind.MAJOR.value, actor=SYSTEM.name, node=incident.current_node, outcome=None,
                          level=incident.level, note=note, data=data))

    # -- reading -----------------------------------------------------------------------------
    def list(self, status: str | None = None) -> list[dict[str, Any]]:
        if status not in (None, "open", "closed"):
            raise InvalidAnswer(f"unknown status {status!r}: use open or closed")
        with self.store.read() as session:
            stmt = select(MajorIncident).order_by(MajorIncident.id.desc())
            if status:
                stmt = stmt.where(MajorIncident.status == status)
            majors = list(session.scalars(stmt))
            counts = dict(session.execute(
                select(Incident.major_id, func.count()).where(Incident.major_id.in_([m.id for m in majors]))
                .group_by(Incident.major_id)).all()) if majors else {}
            return [{**major_view(m), "linked": int(counts.get(m.id, 0))} for m in majors]

    def get(self, major_id: int) -> dict[str, Any]:
        with self.store.read() as session:
            major = session.get(MajorIncident, major_id)
            if major is None:
                raise NotFound(f"no major incident {major_id}: list them with `calltriage major list`")
            rows = session.scalars(select(Incident).where(Incident.major_id == major_id).order_by(Incident.id))
            linked = [{"id": i.id, "status": i.status, "level": i.level, "caller": i.caller, "callee": i.callee,
                       "playbook": i.playbook_id, "current": i.current_node, "resolution": i.resolution}
                      for i in rows]
            return major_view(major, linked)

    # -- closing -----------------------------------------------------------------------------
    def close(self, major_id: int, *, resolution: str, category: str, note: str, actor: Actor) -> dict[str, Any]:
        """Close the major incident and every linked open incident with its resolution and a note."""
        resolution = resolution.strip()
        if actor.level is not None and actor.level < 2:
            raise Forbidden(f"{actor.name} works at level {actor.level}: a major incident is closed at level 2 or "
                            "above (server-side), ask a level-2 operator or an admin")
        if category not in {c.value for c in Category}:
            raise InvalidAnswer(f"unknown category {category!r}: use one of {', '.join(c.value for c in Category)}")
        if not resolution or ":" in resolution or len(resolution) > 80:
            raise InvalidAnswer("give a resolution code (e.g. server-fault), without ':' and under 80 characters")
        major = self.get(major_id)
        if major["status"] != "open":
            raise InvalidAnswer(f"major incident {major_id} is already closed")
        text = f"Closed with major incident {major_id} ({major['title']})" + (f": {note.strip()}" if note else "")
        for linked in major["incidents"]:
            if linked["status"] != IncidentStatus.OPEN.value:
                continue
            try:
                self.incidents.close_as(linked["id"], resolution, category, actor=actor, note=text,
                                        data={"major": major_id})
            except InvalidAnswer:  # closed by an operator meanwhile: theirs stands
                continue
        now = self.clock()
        with self.store.write() as session:
            row = session.get(MajorIncident, major_id)
            assert row is not None
            row.status, row.open_key, row.resolution, row.category = "closed", None, resolution, category
            row.note, row.closed_at, row.closed_by, row.updated_at = note.strip(), now, actor.name, now
        return self.get(major_id)

