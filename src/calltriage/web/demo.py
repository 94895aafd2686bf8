"""Demo data for `calltriage serve --demo` (and `make run`): the cast and a few incidents at different steps.

Everything goes through the services, exactly as an operator would, so the demo timeline is
real. Idempotent: operators are created when missing, incidents only into an empty desk.
"""

from __future__ import annotations

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.errors import NotFound
from calltriage.services.context import App
from calltriage.services.incidents import Actor
from calltriage.services.operators import OperatorService

DEMO_PASSWORD = "calltriage-demo"
DEMO_OPERATORS = (("ana", "L1"), ("ben", "L2"), ("cy", "L3"), ("admin", "admin"))
PLAYBOOK = "user-cant-call-professional"

ANA, BEN, CY = Actor("ana", 1), Actor("ben", 2), Actor("cy", 3)
# (caller, callee, summary, [(actor, outcome), ...])
TO_OTHER_PARTY = [(ANA, "met"), (ANA, "none"), (ANA, "connected"), (ANA, "ok"), (ANA, "succeeded"), (ANA, "no")]
# The parties are the accounts `calltriage lab up` provisions (alice, bob, carol): with the lab's
# config in CALLTRIAGE_CONFIG, "Run probes" on a demo incident shows the real server's evidence.
STORIES = [
    ("alice", "bob", "Alice gets a busy tone when calling Bob since this morning.", []),
    ("carol", "alice", "Carol's calls to Alice never connect.", [(ANA, "met"), (ANA, "none")]),
    ("bob", "carol", "Bob cannot call anyone from the new phone.",
     [(ANA, "met"), (ANA, "none"), (ANA, "connected"), (ANA, "ok")]),
    ("alice", "carol", "Alice can call others but never Carol.", [*TO_OTHER_PARTY, (ANA, "yes")]),
    ("carol", "bob", "Carol: every call fails after the app update.",
     [(ANA, "met"), (ANA, "none"), (ANA, "disconnected"), (ANA, "ok"), (ANA, "failed"), (ANA, "correct")]),
    ("bob", "alice", "Bob's calls to Alice drop before ringing.",
     [*TO_OTHER_PARTY, (ANA, "yes"), (BEN, "no-conflict"), (BEN, "collected")]),
    ("alice", "bob", "Alice could not call Bob yesterday evening.", [*TO_OTHER_PARTY[:5], (ANA, "yes")]),
    ("carol", "bob", "Carol's app says nothing, calls just fail.",
     [(ANA, "met"), (ANA, "none"), (ANA, "connected"), (ANA, "ok"), (ANA, "failed"), (ANA, "wrong")]),
    ("bob", "carol", "Bob reports the app never connects.",  # continues in "Connection issues"
     [(ANA, "met"), (ANA, "none"), (ANA, "connecting"), (ANA, "failed"), (ANA, "yes")]),
    ("alice", "carol", "Alice can't reach Carol.", [*TO_OTHER_PARTY, (ANA, "yes"), (BEN, "conflict-found")]),
]


def seed_operators(services: App, password: str = DEMO_PASSWORD) -> None:
    operators = OperatorService(services.store)
    for name, role in DEMO_OPERATORS:
        try:
            operators.get(name)
        except NotFound:
            operators.add(name, role, password)


def seed_demo(services: App) -> int:
    """Create the demo cast and, into an empty desk, the demo incidents; returns how many incidents."""
    seed_operators(services)
    if services.cases.list(limit=1).total:
        return 0
    incidents = services.incidents
    for caller, callee, summary, steps in STORIES:
        view = incidents.open(playbook_id=PLAYBOOK, caller=caller, callee=callee, summary=summary, actor=ANA)
        for who, outcome in steps:
            current = incidents.get(view["id"])["current"]
            if current == "l1.connection_status" and outcome in ("connected", "disconnected"):
                # Show what a probe's evidence looks like on the incident page; labelled as demo data so
                # the timeline never passes it off as something a server said ("Run probes" does that).
                result = ProbeResult("registrar.registration", ProbeStatus.OK if outcome == "connected"
                                     else ProbeStatus.FAIL, "[demo data] " + (f"{caller} is registered with 1 contact"
                                     if outcome == "connected" else f"{caller} has no registration on the server"),
                                     {"aor": f"{caller}@lab.test", "contacts": 1 if outcome == "connected" else 0,
                                      "transport": "tls", "user_agent": "PrivateGSM 5.2.1"}, 0.012)
                incidents.record_probe(view["id"], current, result, actor=Actor("probe"))
                if incidents.get(view["id"])["current"] != current:
                    continue
            incidents.answer(view["id"], outcome, actor=who, node=current)
    return len(STORIES)
