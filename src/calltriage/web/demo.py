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
STORIES = [
    ("alice", "bob", "Alice gets a busy tone when calling Bob since this morning.", []),
    ("carol", "dave", "Carol's calls to Dave never connect.", [(ANA, "met"), (ANA, "none")]),
    ("erin", "frank", "Erin cannot call anyone from the new phone.",
     [(ANA, "met"), (ANA, "none"), (ANA, "connected"), (ANA, "ok")]),
    ("gina", "hugo", "Gina can call others but never Hugo.", [*TO_OTHER_PARTY, (ANA, "yes")]),
    ("ivan", "judy", "Ivan: every call fails after the app update.",
     [(ANA, "met"), (ANA, "none"), (ANA, "disconnected"), (ANA, "ok"), (ANA, "failed"), (ANA, "correct")]),
    ("kim", "leo", "Kim's calls to Leo drop before ringing.",
     [*TO_OTHER_PARTY, (ANA, "yes"), (BEN, "no-conflict"), (BEN, "collected")]),
    ("mia", "ned", "Mia could not call Ned yesterday evening.", [*TO_OTHER_PARTY[:5], (ANA, "yes")]),
    ("olga", "pete", "Olga's app says nothing, calls just fail.",
     [(ANA, "met"), (ANA, "none"), (ANA, "connected"), (ANA, "ok"), (ANA, "failed"), (ANA, "wrong")]),
    ("quinn", "rosa", "Quinn reports the app never connects.",
     [(ANA, "met"), (ANA, "none"), (ANA, "connecting"), (ANA, "failed")]),
    ("sam", "tess", "Sam can't reach Tess.", [*TO_OTHER_PARTY, (ANA, "yes"), (BEN, "conflict-found")]),
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
    _, total = services.incidents.list_incidents(limit=1)
    if total:
        return 0
    incidents = services.incidents
    for caller, callee, summary, steps in STORIES:
        view = incidents.open(playbook_id=PLAYBOOK, caller=caller, callee=callee, summary=summary, actor=ANA)
        for who, outcome in steps:
            current = incidents.get(view["id"])["current"]
            if current == "l1.connection_status" and outcome in ("connected", "disconnected"):
                # Show what a probe's evidence looks like on the incident page.
                result = ProbeResult("registrar.registration", ProbeStatus.OK if outcome == "connected"
                                     else ProbeStatus.FAIL, f"{caller} is registered with 1 contact" if
                                     outcome == "connected" else f"{caller} has no registration on the server",
                                     {"aor": f"{caller}@lab.test", "contacts": 1 if outcome == "connected" else 0,
                                      "transport": "tls", "user_agent": "PrivateGSM 5.2.1"}, 0.012)
                incidents.record_probe(view["id"], current, result, actor=Actor("probe"))
                if incidents.get(view["id"])["current"] != current:
                    continue
            incidents.answer(view["id"], outcome, actor=who, node=current)
    return len(STORIES)
