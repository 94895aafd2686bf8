"""The fault matrix against the real lab (tests/scenarios/matrix.py): every situation reaches its
terminal, the decisive verdicts come from probes (or, where the server saw nothing, from what
the user told the operator, never from silence), with the expected number of questions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab_fixtures import require_client_networks, require_kamailio, require_pjsua2
from tests.scenarios.matrix import SCENARIOS, Scenario
from tests.scenarios.play import play
from tests.scenarios.stage import Stage

pytestmark = pytest.mark.lab


@pytest.fixture(params=SCENARIOS, ids=[s.name for s in SCENARIOS])
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def stage(scenario: Scenario, tmp_path: Path) -> Iterator[Stage]:
    require_kamailio()
    require_pjsua2()
    if "netns" in scenario.needs:
        require_client_networks()
    with Stage(tmp_path, **scenario.lab) as made:
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
