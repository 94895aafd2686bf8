"""Domain vocabulary shared by every layer (see docs/playbooks.md and the seed playbook)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any


class Level(IntEnum):
    L1 = 1  # help desk
    L2 = 2  # server-side analysis
    L3 = 3  # vendor / client developers


class NodeKind(StrEnum):
    QUESTION = "question"
    CHECK = "check"
    CLOSE = "close"
    ESCALATE = "escalate"
    HANDOFF = "handoff"

    @property
    def terminal(self) -> bool:
        return self in (NodeKind.CLOSE, NodeKind.HANDOFF)

    @property
    def automatic(self) -> bool:
        """Nodes the engine applies by itself, without an answer."""
        return self in (NodeKind.CLOSE, NodeKind.HANDOFF, NodeKind.ESCALATE)


class IncidentStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    HANDED_OFF = "handed-off"


class Category(StrEnum):
    """Root-cause categories; reports check the seed's 'half misconfiguration, half connection'."""

    OUT_OF_SCOPE = "out-of-scope"
    MISCONFIGURATION = "misconfiguration"
    SERVER = "server"
    CONNECTION = "connection"
    NOT_AN_ISSUE = "not-an-issue"
    CLIENT_BUG = "client-bug"
    SPECIFIC_ERROR = "specific-error"
    APPLICATION = "application"  # application local issues (missing, crashing): the complaint matrix


class EventKind(StrEnum):
    OPENED = "opened"
    ANSWERED = "answered"
    PROBED = "probed"
    OVERRIDDEN = "overridden"
    ESCALATED = "escalated"
    CLOSED = "closed"
    HANDED_OFF = "handed-off"
    NOTE = "note"
    ATTACHED = "attached"
    WAITING = "waiting"
    ASSIGNED = "assigned"  # take, assign or release: data {"action", "from", "to"}
    REOPENED = "reopened"
    LEVEL_CHANGED = "level-changed"  # an override or reopen moved the incident to another level
    MAJOR = "major"  # linked to (or closed with) a major incident


class ProbeStatus(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # the probe could not run; never a verdict about the server
    # A watch probe saw nothing within its window: no evidence yet (maybe the user has not acted).
    # Never a verdict: the step stays with the operator unless the node names an ``on_silence``.
    SILENT = "silent"

    @property
    def decides(self) -> bool:
        """Whether a node's ``verdicts:`` may map this status to an outcome."""
        return self in (ProbeStatus.OK, ProbeStatus.WARN, ProbeStatus.FAIL)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What a probe found. ``error`` means "could not run", with a plain reason in ``summary``.
    Which outcome of its playbook node a status means is the node's ``verdicts:`` mapping only."""

    probe: str
    status: ProbeStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "probe": self.probe,
            "status": self.status.value,
            "summary": self.summary,
            "evidence": self.evidence,
            "duration": round(self.duration, 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProbeResult:
        return cls(
            probe=data["probe"],
            status=ProbeStatus(data["status"]),
            summary=data["summary"],
            evidence=dict(data.get("evidence") or {}),
            duration=float(data.get("duration") or 0.0),
        )
