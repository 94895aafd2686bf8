"""A worker that walks incidents as fast as it can; the crash test kills it at random moments."""

from __future__ import annotations

import random
import sys

from calltriage.services.context import build_app
from calltriage.services.incidents import Actor


def main(db_url: str, seed: int) -> None:
    rng = random.Random(seed)
    app = build_app(db_url)
    actor = Actor("worker")
    while True:
        incident = app.incidents.open(playbook_id="user-cant-call-professional", caller="alice", callee="bob",
                                      actor=actor)
        while True:
            step = app.incidents.next_step(incident["id"])
            if step["node"] is None:
                break
            app.incidents.answer(incident["id"], rng.choice(step["choices"]), actor=actor, node=step["node"])
            print("answered", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
