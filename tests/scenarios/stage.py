"""The stage a scenario plays on: a private lab (real Kamailio, the test cast and the support
line's echo account), simulated PrivateGSM apps (PJSIP user agents) and what the simulated
user does when the operator asks ("force a reconnection now", "place a test call").

Used by the scenario tests (tests/scenarios/test_matrix.py) and by the accuracy benchmark
(bench/bench_accuracy.py), so both play exactly the same matrix.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.lab_fixtures import LAB_CAST, _new_lab

ECHO = ("echo", "echo-pw", "+15550100")  # the support line's echo account: a known-good destination
Action = Callable[[], Any] | None
Hook = Callable[[Any, int], None]  # (app, incident id): e.g. attach the app's log at l2.client_logs


class Stage:
    """One lab and its users for one scenario; ``close()`` stops everything it started."""

    def __init__(self, root: Path, **lab_options: Any) -> None:
        self.root = root
        self.lab = _new_lab(root / "lab", True, lab_options)
        self.lab.add_account(*ECHO)
        self.agents: list[Any] = []
        self.networks: list[Any] = []
        # node -> what the user does each time they are asked (None: nothing, e.g. not yet)
        self.actions: dict[str, list[Action]] = {}
        self.hooks: dict[str, Hook] = {}
        self._cleanups: list[Callable[[], None]] = []

    # -- the cast ----------------------------------------------------------------------------
    def agent(self, user: str, password: str | None = None, **options: Any) -> Any:
        """A started simulated app for ``user`` (the cast's password unless given)."""
        from calltriage_lab.agents import UserAgent

        if password is None:
            password = ECHO[1] if user == ECHO[0] else LAB_CAST[user][0]
        options.setdefault("log_path", self.root / f"pjsip-{user}-{len(self.agents)}.log")
        agent = UserAgent(self.lab, user, password, **options)
        self.agents.append(agent)
        return agent.start()

    def registered(self, user: str, **options: Any) -> Any:
        agent = self.agent(user, **options)
        reply = agent.register()
        assert reply.code == 200, f"{user} could not register: {reply}"
        return agent

    def healthy(self, *, echo: bool = True, caller_ua: str = "PrivateGSM/3.4.0 (Android)") -> tuple[Any, Any]:
        """alice (the caller) and bob (the callee) registered over TLS, the echo line answering."""
        alice = self.registered("alice", user_agent=caller_ua)
        bob = self.registered("bob")
        if echo:
            self.registered(ECHO[0])
        return alice, bob

    def network(self, name: str = "home", **options: Any) -> Any:
        """A client network (device namespace behind a NAT router) for an agent's ``network=``."""
        from calltriage_lab.clientnet import ClientNetwork

        net = ClientNetwork(self.lab, name, **options).start()
        self.networks.append(net)
        return net

    # -- the user's actions and the operator's hooks ----------------------------------------
    def when(self, node: str, *actions: Action) -> None:
        """What the user does the 1st, 2nd, ... time the operator asks at ``node``."""
        self.actions[node] = list(actions)

    def act(self, node: str) -> None:
        queue = self.actions.get(node)
        if queue:
            action = queue.pop(0) if len(queue) > 1 else queue[0]
            if action is not None:
                action()

    def at(self, node: str, hook: Hook) -> None:
        """Something the operator does when the incident stops at ``node`` (before answering)."""
        self.hooks[node] = hook

    def later(self, cleanup: Callable[[], None]) -> None:
        self._cleanups.append(cleanup)

    # -- faults the lab has no switch for -----------------------------------------------------
    def lock_database(self) -> Callable[[], None]:
        """Hold the accounts DB's write lock (another writer's long transaction): Kamailio's
        accounting rows are lost, reads (authentication, calltriage) still work. Returns the
        release; released at the end in any case."""
        con = sqlite3.connect(self.lab.db.path, timeout=1, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        released = [False]

        def release() -> None:
            if not released[0]:
                released[0] = True
                con.execute("ROLLBACK")
                con.close()

        self.later(release)
        return release

    def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            cleanup()
        for agent in self.agents:
            agent.vanish()
        for net in self.networks:
            net.close()
        self.lab.cleanup()

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
