"""Pure domain types: no I/O here."""

from calltriage.domain.model import (
    Category,
    EventKind,
    IncidentStatus,
    Level,
    NodeKind,
    ProbeResult,
    ProbeStatus,
)

__all__ = [
    "Category",
    "EventKind",
    "IncidentStatus",
    "Level",
    "NodeKind",
    "ProbeResult",
    "ProbeStatus",
]
