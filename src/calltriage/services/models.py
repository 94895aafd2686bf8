"""Typed read models of the use-case API: what every front end renders and the API returns.

``services.cases`` returns these; the API declares them as its response models, the CLI prints
their JSON, the desk's templates read their attributes. Their JSON is the contract of
`calltriage incident show --json` and `GET /api/v1/incidents/{id}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class EventOut(_Out):
    seq: int
    at: str | None
    kind: str
    actor: str
    node: str | None
    outcome: str | None
    level: int
    note: str
    data: dict[str, Any]
    superseded: bool = False  # on a branch an override abandoned: shown, but no longer current


class IncidentRow(_Out):
    """One row of every incident list (desk queues and search, API lists, `incident list --json`):
    the plain columns, read without the run state."""

    id: int
    status: str
    level: int
    resolution: str | None
    category: str | None
    handoff: str | None
    caller: str
    callee: str
    reporter: str
    assignee: str | None
    playbook: str
    playbook_version: str
    current: str | None
    revision: int
    opened_at: str | None
    updated_at: str | None
    step_title: str | None = Field(None, exclude=True)  # the desk's label for ``current``
    updated: datetime | None = Field(None, exclude=True)  # ``updated_at`` unparsed, for "5 min ago"


class IncidentListItem(IncidentRow):
    """A row of the API's and the CLI's lists: the plain columns plus the run's path and escalations."""

    summary: str
    closed_at: str | None
    escalations: list[dict[str, Any]]
    path: list[str]
    playbooks: list[dict[str, Any]] | None = None
    major: int | None = None
    complaint: str | None = None
    intake: dict[str, Any] | None = None


class IncidentOut(IncidentListItem):
    """One incident, whole: a list row plus its timeline (``events``, when asked for)."""

    events: list[EventOut] | None = None


class RowPage(_Out):
    """A page of desk rows; ``total`` is None when it was not counted (a queue page: badges count)."""

    total: int | None
    more: bool
    items: list[IncidentRow]


class IncidentPage(_Out):
    total: int
    limit: int
    offset: int
    items: list[IncidentListItem]


class StepOut(_Out):
    """The step an incident waits for; ``node`` is None once it is closed or handed off."""

    node: str | None
    title: str = ""
    playbook: str | None = None
    status: str | None = None
    level: int | None = None
    kind: str | None = None
    prompt: str = ""
    help: str = ""
    choices: list[str] = []
    labels: dict[str, str] = {}
    probe: str | None = None
    ask_user: str | None = None
    revision: int | None = None
    assignee: str | None = None
    resolution: str | None = None
    category: str | None = None
    handoff: str | None = None


class CloseOption(_Out):
    node: str
    resolution: str
    category: str
    title: str
    allowed: bool  # the current step leads there; the others need "close anyway" with a reason


class EscalationOption(_Out):
    request: str
    level: int
    title: str


class OverrideOption(_Out):
    node: str
    title: str
    level: int
    outcome: str
    label: str
    given: bool  # the verdict that stands now


class ActionsOut(_Out):
    """What the asking operator may do with the incident now (the desk offers exactly this)."""

    incident: int
    revision: int
    node: str | None
    can_act: bool
    can_take: bool
    can_release: bool
    can_assign: bool
    can_reopen: bool
    can_override: bool
    assignees: list[str]
    closes: list[CloseOption]
    escalations: list[EscalationOption]
    overrides: list[OverrideOption]
    escalation_note: str  # a draft from the evidence at this level, for the escalation form
