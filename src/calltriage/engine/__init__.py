"""Pure decision-graph interpreter: playbook specs (immutable) apart from runs (state).

No sockets, SQL, web or CLI here (an import-linter contract in pyproject keeps it so).
"""

from calltriage.engine.run import (
    Effect,
    PlaybookRun,
    advance,
    close_as,
    close_at,
    escalate_to,
    handoff_into,
    outcome_for,
    reopen_prior,
    rewind,
    segments,
    start,
)
from calltriage.engine.spec import NodeSpec, OutcomeSpec, PlaybookSpec

__all__ = [
    "Effect",
    "NodeSpec",
    "OutcomeSpec",
    "PlaybookRun",
    "PlaybookSpec",
    "advance",
    "close_as",
    "close_at",
    "escalate_to",
    "handoff_into",
    "outcome_for",
    "reopen_prior",
    "rewind",
    "segments",
    "start",
]
