"""Loading validates playbooks and says where and how to fix each problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.engine.loader import load_playbook, parse_playbook
from calltriage.errors import PlaybookError

INVALID = sorted((Path(__file__).parent / "invalid").glob("*.yaml"))
SEED = Path(__file__).resolve().parents[2] / "playbooks" / "user-cant-call-professional.yaml"
PROBES = {"calls.test_call", "registrar.registration"}


def expected_message(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: <message>'"
    return first.removeprefix("# expect: ")


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_it_rejects_each_invalid_playbook_with_file_line_node_and_fix(path: Path) -> None:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path, known_probes=PROBES)
    message = str(caught.value)
    assert expected_message(path) in message
    assert str(path) in message or "cycle" in expected_message(path)
    assert "\n" not in message


def test_every_rejection_named_by_the_issue_has_a_fixture() -> None:
    names = {p.stem for p in INVALID}
    assert {"unknown_target", "outcome_nowhere", "duplicate_ids", "cycle", "never_ends", "level_down",
            "unknown_kind", "malformed", "unknown_probe"} <= names


def test_it_lists_every_problem_not_only_the_first() -> None:
    source = """
id: many
title: Many problems
start: a
nodes:
  - {id: a, kind: question, level: 1, prompt: A?, outcomes: {x: nowhere1, y: nowhere2}}
  - {id: close.done, kind: close, level: 1, prompt: Done, resolution: done, category: server}
"""
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(source, "many.yaml")
    assert len(caught.value.problems) == 2
    assert "nowhere1" in caught.value.problems[0] and "nowhere2" in caught.value.problems[1]
    assert "(+1 more)" in str(caught.value)


def test_it_accepts_a_handoff_to_an_existing_playbook_without_declaring_it() -> None:
    source = """
id: small
title: Small
start: a
nodes:
  - {id: a, kind: question, level: 1, prompt: A?, outcomes: {go: h}}
  - {id: h, kind: handoff, level: 1, prompt: Go on, playbook: other, category: connection}
"""
    with pytest.raises(PlaybookError):
        parse_playbook(source, "small.yaml")
    spec = parse_playbook(source, "small.yaml", known_playbooks=["other"])
    assert spec.node("h").playbook == "other"


def test_it_rejects_an_escalation_to_an_entry_of_another_level() -> None:
    source = """
id: esc
title: Esc
start: a
entries: {deep: l3}
nodes:
  - {id: a, kind: question, level: 1, prompt: A?, outcomes: {up: e}}
  - {id: e, kind: escalate, level: 1, prompt: Up, to_level: 2, request: deep}
  - {id: l3, kind: question, level: 3, prompt: C?, outcomes: {done: c}}
  - {id: c, kind: close, level: 3, prompt: Done, resolution: done, category: server}
"""
    with pytest.raises(PlaybookError, match="escalates to level 2 but entry l3 is level 3"):
        parse_playbook(source, "esc.yaml")


def test_the_version_is_a_content_hash_that_changes_with_any_edit() -> None:
    text = SEED.read_text()
    first = parse_playbook(text, "a.yaml")
    same = parse_playbook(text, "b.yaml")
    edited = parse_playbook(text.replace("Record the connection status", "Note the connection status"), "a.yaml")
    assert first.version == same.version
    assert edited.version != first.version


def test_a_missing_file_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PlaybookError, match="no such playbook file"):
        load_playbook(tmp_path / "nope.yaml")


def test_a_playbook_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(PlaybookError, match="a playbook is a YAML mapping"):
        parse_playbook("- just\n- a list\n", "list.yaml")
