"""The one home of the tests' cast and of the walks through the seed playbook.

Operators (``ANA``, ``BEN``, ``CY`` as service actors; ``CAST`` as desk accounts), the seed
playbook's id, and every path through it as a list of outcomes with the verdict it reaches.
Tests import these instead of spelling the answers again, so a change to the seed playbook is
made here once.
"""

from __future__ import annotations

from typing import Any

from calltriage.services.incidents import Actor

SEED = "user-cant-call-professional"
FIRST_STEP = "intake.operational_requirements"

ANA, BEN, CY = Actor("ana", 1), Actor("ben", 2), Actor("cy", 3)
# Desk accounts: name and role (dora is disabled by the web fixtures).
CAST = (("ana", "L1"), ("ben", "L2"), ("cy", "L3"), ("admin", "admin"), ("dora", "L1"))

# Named walks from the first step.
TO_CLIENT_MISCONFIGURATION = ["met", "none", "connected", "ok", "failed", "wrong"]
TO_TEMPORARY_NETWORK = ["met", "none", "connecting", "ok", "succeeded", "yes"]
TO_CONNECTION_HANDOFF = ["met", "none", "disconnected", "failed"]
TO_NOT_AN_ISSUE = ["met", "none", "connected", "ok", "succeeded", "no", "no"]
TO_REMOTE_PARTY_CHECK = ["met", "none", "connected", "ok", "succeeded", "no", "yes"]  # escalates to L2
TO_SERVER_STATUS_CHECK = ["met", "none", "connected", "ok", "failed", "correct"]  # escalates to L2
TO_SUSPECTED_CLIENT_BUG = [*TO_REMOTE_PARTY_CHECK, "no-conflict", "collected"]  # escalates again, to L3

# Every path of the seed graph: (outcomes in order, what the incident shows at the end).
SEED_PATHS: dict[str, tuple[list[str], dict[str, Any]]] = {
    "requirements-violated": (["violated"], {"status": "closed", "resolution": "operational-requirements-violation",
                                             "category": "out-of-scope", "level": 1}),
    # a handoff continues the same incident in the target playbook, at its first step
    "licence-error": (["met", "license"], {"status": "open", "handoff": "license-problem",
                                           "playbook": "license-problem", "current": "lp.account"}),
    "user-offline-error": (["met", "user-offline"], {"status": "open", "handoff": "user-offline",
                                                     "current": "uo.callee_registered"}),
    "user-unknown-error": (["met", "user-unknown"], {"status": "open", "handoff": "user-unknown",
                                                     "current": "uu.number_format"}),
    "other-error": (["met", "other"], {"status": "open", "handoff": "specific-error", "current": "se.message"}),
    "reconnection-fails": (TO_CONNECTION_HANDOFF,
                           {"status": "open", "handoff": "connection-issues", "playbook": "connection-issues",
                            "current": "ci.device_internet"}),
    "app-misconfigured": (TO_CLIENT_MISCONFIGURATION, {"status": "closed", "resolution": "client-misconfiguration",
                                                       "category": "misconfiguration"}),
    "server-network-fault": ([*TO_SERVER_STATUS_CHECK, "fault"],
                             {"status": "closed", "resolution": "server-fault", "category": "server", "level": 2}),
    "server-service-fault": ([*TO_SERVER_STATUS_CHECK, "ok", "fault"],
                             {"status": "closed", "resolution": "server-fault", "level": 2}),
    "server-ok-client-bug": ([*TO_SERVER_STATUS_CHECK, "ok", "ok", "collected", "bug-confirmed"],
                             {"status": "closed", "resolution": "client-bug", "level": 3}),
    "server-ok-not-reproducible": (["met", "none", "error", "ok", "failed", "correct", "ok", "ok", "collected",
                                    "not-reproducible"], {"status": "closed", "resolution": "not-reproducible"}),
    "temporary-network-problem": (TO_TEMPORARY_NETWORK, {"status": "closed", "resolution": "temporary-network-problem",
                                                         "category": "connection"}),
    "other-party-offline": (["met", "none", "unknown", "ok", "succeeded", "no", "no"],
                            {"status": "closed", "resolution": "not-an-issue", "category": "not-an-issue"}),
    "remote-party-conflict": ([*TO_REMOTE_PARTY_CHECK, "conflict-found"],
                              {"status": "closed", "resolution": "remote-party-conflict", "level": 2}),
    "remote-ok-client-bug": ([*TO_SUSPECTED_CLIENT_BUG, "bug-confirmed"],
                             {"status": "closed", "resolution": "client-bug"}),
    "remote-ok-not-reproducible": ([*TO_SUSPECTED_CLIENT_BUG, "not-reproducible"],
                                   {"status": "closed", "resolution": "not-reproducible"}),
}


def by_level(outcomes: list[str], *operators: str) -> tuple[tuple[str, str], ...]:
    """``(operator, outcome)`` pairs for the desk: the first operator answers until the first
    escalation, the next one after it, and so on (escalations follow the seed's named walks)."""
    marks = {len(TO_REMOTE_PARTY_CHECK), len(TO_SUSPECTED_CLIENT_BUG)} if outcomes[:len(TO_REMOTE_PARTY_CHECK)] \
        == TO_REMOTE_PARTY_CHECK else {len(TO_SERVER_STATUS_CHECK)}
    pairs, who = [], 0
    for i, outcome in enumerate(outcomes):
        if i in marks:
            who += 1
        pairs.append((operators[min(who, len(operators) - 1)], outcome))
    return tuple(pairs)
