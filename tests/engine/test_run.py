"""The pure engine: transitions, automatic nodes, overrides and save/restore of runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from calltriage.domain.model import IncidentStatus, ProbeResult, ProbeStatus
from calltriage.engine import PlaybookRun, advance, close_at, escalate_to, handoff_into, outcome_for, rewind, start
from calltriage.engine.loader import load_playbook, parse_playbook
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import CalltriageError, InvalidAnswer
from tests.cast import TO_REMOTE_PARTY_CHECK, TO_SERVER_STATUS_CHECK

SEED = Path(__file__).resolve().parents[2] / "playbooks" / "user-cant-call-professional.yaml"


@pytest.fixture(scope="module")
def seed() -> PlaybookSpec:
    return load_playbook(SEED)


def walk(spec: PlaybookSpec, *outcomes: str) -> PlaybookRun:
    run = start(spec)
    for outcome in outcomes:
        run, _ = advance(spec, run, outcome)
    return run


def test_it_starts_at_the_operational_requirements(seed: PlaybookSpec) -> None:
    run = start(seed)
    assert run.current == "intake.operational_requirements"
    assert run.level == 1 and run.status is IncidentStatus.OPEN


def test_it_escalates_and_lands_on_the_entry_of_the_request(seed: PlaybookSpec) -> None:
    run, effects = advance(seed, walk(seed, *TO_SERVER_STATUS_CHECK[:-1]), "correct")
    assert run.current == "l2.server_network" and run.level == 2
    assert [e.kind.value for e in effects] == ["escalate"]
    assert run.escalations[0].request == "server-status-check"


def test_an_unknown_answer_lists_the_valid_ones(seed: PlaybookSpec) -> None:
    with pytest.raises(InvalidAnswer, match="choose one of violated, met"):
        advance(seed, start(seed), "maybe")


def test_a_closed_run_has_no_step_to_answer(seed: PlaybookSpec) -> None:
    run = walk(seed, "violated")
    assert run.status is IncidentStatus.CLOSED and run.resolution == "operational-requirements-violation"
    with pytest.raises(InvalidAnswer, match="closed"):
        advance(seed, run, "met")


def test_a_saved_run_reloads_identically_through_json(seed: PlaybookSpec) -> None:
    runs = [start(seed), walk(seed, *TO_REMOTE_PARTY_CHECK),
            walk(seed, "met", "license"), walk(seed, "violated")]
    for run in runs:
        data = json.loads(json.dumps(run.to_dict()))
        assert data["schema"] == 1
        assert PlaybookRun.from_dict(data) == run
        assert PlaybookRun.from_dict(data).to_dict() == run.to_dict()


def test_a_run_of_an_unknown_schema_is_refused(seed: PlaybookSpec) -> None:
    data = start(seed).to_dict() | {"schema": 99}
    with pytest.raises(CalltriageError, match="schema 99"):
        PlaybookRun.from_dict(data)


def test_a_run_refuses_another_playbook_version(seed: PlaybookSpec) -> None:
    edited = parse_playbook(seed.source.replace("Record the connection", "Note the connection"), "x.yaml")
    with pytest.raises(CalltriageError, match="pinned"):
        advance(edited, start(seed), "met")


def test_rewinding_replays_the_answers_before_the_node(seed: PlaybookSpec) -> None:
    run = walk(seed, *TO_SERVER_STATUS_CHECK, "fault")
    assert run.resolution == "server-fault"
    back = rewind(seed, run, "l1.client_config")
    assert back.current == "l1.client_config" and back.level == 1 and back.escalations == ()
    assert back == walk(seed, *TO_SERVER_STATUS_CHECK[:-1])
    again, _ = advance(seed, back, "wrong")
    assert again.resolution == "client-misconfiguration"


def test_rewinding_a_node_never_answered_is_refused(seed: PlaybookSpec) -> None:
    with pytest.raises(InvalidAnswer, match="was not answered"):
        rewind(seed, start(seed), "l1.test_call")


def test_a_probe_result_decides_through_the_node_verdicts(seed: PlaybookSpec) -> None:
    node = seed.node("l1.other_party_registered")
    assert outcome_for(node, ProbeResult("sip.callee_liveness", ProbeStatus.OK, "answers")) == "yes"
    assert outcome_for(node, ProbeResult("sip.callee_liveness", ProbeStatus.FAIL, "stale")) == "no"
    assert outcome_for(node, ProbeResult("sip.callee_liveness", ProbeStatus.ERROR, "no RPC")) is None
    # the playbook's warn mapping decides: a REGISTER being refused right now is "connecting"
    status = seed.node("l1.connection_status")
    assert outcome_for(status, ProbeResult("registrar.registration", ProbeStatus.WARN, "trying")) == "connecting"
    assert outcome_for(status, ProbeResult("registrar.registration", ProbeStatus.OK, "x")) == "connected"


def test_an_operator_escalates_and_closes_by_hand(seed: PlaybookSpec) -> None:
    run = walk(seed, "met", "none")
    up, effects = escalate_to(seed, run, "remote-party-check")
    assert up.current == "l2.remote_party" and up.level == 2 and effects[0].data["request"] == "remote-party-check"
    with pytest.raises(InvalidAnswer, match="not above"):
        escalate_to(seed, up, "server-status-check")
    closed, _ = close_at(seed, up, "close.remote_party_conflict")
    assert closed.resolution == "remote-party-conflict"
    # replaying manual steps gives the same run
    assert rewind(seed, closed, "l2.remote_party") == up


def test_a_handoff_continues_in_the_target_playbook_once_it_exists(seed: PlaybookSpec) -> None:
    target = parse_playbook("""
id: connection-issues
title: Connection issues
start: ci.network
nodes:
  - {id: ci.network, kind: question, level: 1, prompt: Network?, outcomes: {fixed: ci.close}}
  - {id: ci.close, kind: close, level: 1, prompt: Done, resolution: network-fixed, category: connection}
""", "connection-issues.yaml")
    run = walk(seed, "met", "none", "disconnected", "failed")
    assert run.status is IncidentStatus.HANDED_OFF and run.handoff == "connection-issues"
    moved = handoff_into(run, target)
    assert moved.status is IncidentStatus.OPEN and moved.current == "ci.network"
    assert moved.path[: len(run.path)] == run.path
    done, _ = advance(target, moved, "fixed")
    assert done.resolution == "network-fixed" and done.handoff == "connection-issues"
    assert PlaybookRun.from_dict(done.to_dict()) == done
    assert rewind(target, done, "ci.network") == moved
