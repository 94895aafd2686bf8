"""Playbooks tested as data: case files, coverage, drafts, the message catalogue (pure engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.engine.cases import Case, Step, parse_cases, run_case, uncovered
from calltriage.engine.drafts import draft_cases
from calltriage.engine.loader import load_playbook, parse_playbook
from calltriage.engine.messages import parse_messages
from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import PlaybookError

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"

SMALL = """
id: small
title: Small
start: s.check
entries: {deeper: l2.look}
nodes:
  - {id: s.check, kind: check, level: 1, prompt: Server?, probe: network.server,
     verdicts: {ok: fine, fail: broken}, outcomes: {fine: s.ask, broken: s.up}}
  - {id: s.ask, kind: question, level: 1, prompt: Solved?, outcomes: {"yes": s.done, "no": s.up}}
  - {id: s.up, kind: escalate, level: 1, prompt: Up, to_level: 2, request: deeper}
  - {id: l2.look, kind: question, level: 2, prompt: Look, outcomes: {fixed: s.fixed, other: s.away}}
  - {id: s.done, kind: close, level: 1, prompt: Done, resolution: solved, category: connection}
  - {id: s.fixed, kind: close, level: 2, prompt: Fixed, resolution: server-fault, category: server}
  - {id: s.away, kind: handoff, level: 2, prompt: Away, playbook: other, category: connection}
external: {other: {title: Other}}
"""


@pytest.fixture
def small() -> PlaybookSpec:
    return parse_playbook(SMALL, "small.yaml", known_playbooks=None)


def cases(text: str) -> list[Case]:
    return parse_cases(text, "small.cases.yaml", "small")


def test_a_case_walks_answers_and_probe_verdicts_to_the_expected_end(small: PlaybookSpec) -> None:
    [case] = cases("""
playbook: small
cases:
  - name: a broken server is fixed at level 2
    steps:
      - s.check: {probe: fail}
      - l2.look: fixed
    expect: {status: closed, resolution: server-fault, category: server, level: 2, requests: [deeper]}
""")
    result = run_case(small, case)
    assert result.ok, result.problems
    assert result.taken == {("s.check", "broken"), ("l2.look", "fixed")}


def test_a_probe_that_cannot_run_leaves_the_step_to_the_operator(small: PlaybookSpec) -> None:
    [case] = cases("""
playbook: small
cases:
  - name: no server configured
    steps:
      - s.check: {probe: error}
      - s.check: fine
      - s.ask: "yes"
    expect: {status: closed, resolution: solved}
""")
    assert run_case(small, case).ok


def test_a_wrong_expectation_names_the_case_the_field_and_both_values(small: PlaybookSpec) -> None:
    [case] = cases("""
playbook: small
cases:
  - name: solved at once
    steps:
      - s.check: {probe: ok}
      - s.ask: "no"
    expect: {status: closed, resolution: solved, level: 1}
""")
    result = run_case(small, case, "small.cases.yaml")
    assert not result.ok
    assert result.problems == ["small.cases.yaml:4: case 'solved at once': status is 'open', expected 'closed'; "
                               "resolution is None, expected 'solved'; level is 2, expected 1"]


def test_a_step_at_the_wrong_node_or_with_an_unknown_outcome_is_reported(small: PlaybookSpec) -> None:
    wrong_node, bad_outcome, probe_on_question = cases("""
playbook: small
cases:
  - name: skips the check
    steps:
      - s.ask: "yes"
    expect: {status: closed}
  - name: answers nonsense
    steps:
      - s.check: maybe
    expect: {status: closed}
  - name: probes a question
    steps:
      - s.check: fine
      - s.ask: {probe: ok}
    expect: {status: closed}
""")
    assert "step s.ask but the incident is at s.check" in run_case(small, wrong_node).problems[0]
    assert "'maybe' is not an outcome of s.check" in run_case(small, bad_outcome).problems[0]
    assert "s.ask is a question, not a check" in run_case(small, probe_on_question).problems[0]


def test_a_handoff_end_is_expected_with_its_target(small: PlaybookSpec) -> None:
    [case] = cases("""
playbook: small
cases:
  - name: level 2 hands it over
    steps:
      - s.check: {probe: fail}
      - l2.look: other
    expect: {status: handed-off, handoff: other, level: 2}
""")
    assert run_case(small, case).ok


def test_malformed_case_files_fail_with_file_line_and_fix() -> None:
    with pytest.raises(PlaybookError, match="a case file is a mapping"):
        cases("- just a list")
    with pytest.raises(PlaybookError) as exc:
        cases("""
playbook: other
cases:
  - name: twice
    expect: {status: closed}
  - name: twice
    expect: {status: finished, colour: red}
""")
    problems = exc.value.problems
    assert "playbook is 'other'" in problems[0]
    assert any("named twice" in p for p in problems)
    assert any("expect needs a status" in p for p in problems)


def test_coverage_lists_the_outcomes_no_case_takes(small: PlaybookSpec) -> None:
    result = run_case(small, Case("one", (Step("s.check", probe="ok"), Step("s.ask", answer="yes")),
                                  {"status": "closed"}))
    assert uncovered(small, [result]) == [("s.check", "broken"), ("s.ask", "no"), ("l2.look", "fixed"),
                                          ("l2.look", "other")]


def test_drafts_take_every_uncovered_outcome_and_state_where_the_playbook_ends_now(small: PlaybookSpec) -> None:
    drafts = draft_cases(small, set())
    built = [Case(d["name"], tuple(Step(n, probe=a["probe"]) if isinstance(a, dict) else Step(n, answer=a)
                                   for step in d["steps"] for n, a in step.items()), d["expect"]) for d in drafts]
    results = [run_case(small, c) for c in built]
    assert all(r.ok for r in results), [r.problems for r in results]
    assert uncovered(small, results) == []
    # a check's outcome is drafted as the probe verdict that decides it
    assert {"s.check": {"probe": "ok"}} in drafts[0]["steps"]


def test_the_message_catalogue_maps_the_apps_message_to_an_outcome() -> None:
    catalogue = parse_messages((PLAYBOOKS / "specific-error.messages.yaml").read_text(), "messages.yaml")
    spec = load_playbook(PLAYBOOKS / "specific-error.yaml", known_playbooks=None)
    assert catalogue.problems(spec) == []
    assert catalogue.lookup("Your LICENSE has expired")
    assert catalogue.lookup("Your LICENSE has expired").outcome == "license"  # type: ignore[union-attr]
    assert catalogue.lookup("User  does not exist").outcome == "user-unknown"  # type: ignore[union-attr]
    assert catalogue.lookup("Send error").outcome == "instruction"  # type: ignore[union-attr]
    assert catalogue.lookup("Something entirely new") is None


def test_a_catalogue_entry_for_an_outcome_the_node_lacks_is_a_problem() -> None:
    catalogue = parse_messages("""
playbook: specific-error
node: se.message
messages:
  - {id: odd, match: [odd], outcome: reboot, instruction: Reboot}
""", "m.yaml")
    spec = load_playbook(PLAYBOOKS / "specific-error.yaml", known_playbooks=None)
    assert catalogue.problems(spec) == ["m.yaml: entry 'odd': 'reboot' is not an outcome of se.message "
                                        "(outcomes: license, user-offline, user-unknown, connection, operational, "
                                        "instruction, unknown)"]
