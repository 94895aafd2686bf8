"""The fault matrix against the real labs (tests/scenarios/matrix.py), on the Kamailio lab and
the PrivateServer lab: every situation reaches its terminal, the decisive verdicts come from
probes (or, where the server saw nothing, from what the user told the operator, never from
silence), with the expected number of questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab_fixtures import require_client_networks, require_kamailio, require_pjsua2, require_privateserver
from tests.scenarios.matrix import SCENARIOS, Scenario
from tests.scenarios.play import play
from tests.scenarios.stage import Stage

pytestmark = pytest.mark.lab


PLAYS = [(s, backend) for s in SCENARIOS for backend in s.backends]


@pytest.fixture(params=PLAYS, ids=[f"{s.name}-{backend}" for s, backend in PLAYS])
def play_on(request: pytest.FixtureRequest) -> tuple[Scenario, str]:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def scenario(play_on: tuple[Scenario, str]) -> Scenario:
    return play_on[0].on(play_on[1])


@pytest.fixture
def stage(play_on: tuple[Scenario, str], tmp_path: Path) -> Iterator[Stage]:
    scenario, backend = play_on
    require_kamailio()
    require_pjsua2()
    if backend == "privateserver":
        require_privateserver()
    if "netns" in scenario.needs:
        require_client_networks()
    with Stage(tmp_path, backend=backend, **scenario.lab) as made:
        yield made


def test_the_scenario_reaches_its_terminal_on_evidence(scenario: Scenario, stage: Stage, sqlite_db_url: str) -> None:
    scenario.setup(stage)
    played = play(stage, sqlite_db_url, operator=scenario.operator, caller=scenario.caller, callee=scenario.callee)
    assert played.got == scenario.expect, [(e["kind"], e["node"], e["outcome"], e["note"][:90])
                                           for e in played.view["events"]]
    assert {n: played.by_probe.get(n) for n in scenario.decided} == dict(scenario.decided)
    assert played.questions == scenario.questions
    assert played.watch_agains == scenario.watch_agains
    assert played.silent_moves == 0  # no automatic move from silence
    decisive = played.decisive
    if scenario.by_operator:
        assert decisive is not None and decisive["by"] == "operator"
    elif played.got.startswith(("closed:", "handoff:")):
        assert decisive is not None and decisive["by"] == "probe", decisive
    if scenario.remedy:
        closed = [e for e in played.view["events"] if e["kind"] == "closed"]
        assert scenario.remedy in closed[-1]["data"]["instruction"]
