"""Hostile playbook files end in one clear error naming the file: no blow-up, no RecursionError."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from calltriage.engine.loader import MAX_NODES, MAX_SOURCE_BYTES, load_playbook, parse_playbook
from calltriage.engine.render import to_dot, to_mermaid
from calltriage.errors import PlaybookError
from tests.support import require_executable

# The classic "billion laughs": 497 bytes that expand to 9^9 strings when aliases are followed.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
id: bomb
title: Bomb
start: a
nodes: *i
"""


def chain(n: int) -> str:
    lines = ["id: chain", "title: Chain", "start: n0", "nodes:"]
    for i in range(n - 1):
        lines.append(f"  - {{id: n{i}, kind: question, level: 1, prompt: Q{i}?, outcomes: {{yes: n{i + 1}}}}}")
    lines.append(f"  - {{id: n{n - 1}, kind: close, level: 1, prompt: Done, resolution: done, category: server}}")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB.encode()) < 600
    with pytest.raises(PlaybookError, match="aliases") as caught:
        load_playbook(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_deep_nesting_is_refused_without_a_recursion_error() -> None:
    source = "id: deep\ntitle: Deep\nstart: a\nnodes: " + "[" * 5000 + "]" * 5000 + "\n"
    with pytest.raises(PlaybookError, match=r"deep\.yaml.*nest"):
        parse_playbook(source, "deep.yaml")


def test_a_3000_node_chain_is_refused_naming_the_file_and_the_limit() -> None:
    with pytest.raises(PlaybookError, match=f"chain.yaml.*more than {MAX_NODES} nodes"):
        parse_playbook(chain(3000), "chain.yaml")


def test_a_chain_at_the_node_limit_is_checked_without_recursion() -> None:
    spec = parse_playbook(chain(MAX_NODES), "chain.yaml")
    assert len(spec.nodes) == MAX_NODES


def test_a_cycle_at_the_end_of_a_long_chain_is_found_without_recursion() -> None:
    source = chain(MAX_NODES).replace(f"outcomes: {{yes: n{MAX_NODES - 1}}}",
                                      f"outcomes: {{yes: n{MAX_NODES - 1}, no: n0}}")
    with pytest.raises(PlaybookError, match="cycle"):
        parse_playbook(source, "loop.yaml")


def test_an_oversized_file_is_refused_before_it_is_parsed() -> None:
    source = "id: big\ntitle: Big\nstart: a\nnodes: []\n# " + "x" * MAX_SOURCE_BYTES + "\n"
    with pytest.raises(PlaybookError, match=r"big\.yaml.*over the"):
        parse_playbook(source, "big.yaml")


def test_playbook_text_cannot_break_out_of_dot_or_mermaid_labels() -> None:
    outcome, resolution = 'x"]; evil [label="pwn', 'done"]; b -> evil; x [label="\\'
    source = f"""
id: inject
title: Inject
start: a
nodes:
  - {{id: a, kind: question, level: 1, prompt: A?, outcomes: {{'{outcome}': b}}}}
  - {{id: b, kind: close, level: 1, prompt: Done, resolution: '{resolution}', category: server}}
"""
    spec = parse_playbook(source, "inject.yaml")
    dot = require_executable("dot")
    drawn = json.loads(subprocess.run([dot, "-Tjson"], input=to_dot(spec).encode(), capture_output=True,
                                      check=True, timeout=60).stdout)
    assert sorted(o["name"] for o in drawn["objects"]) == ["a", "b"]
    assert [e["label"] for e in drawn["edges"]] == [outcome]
    shown = {o["name"]: o["label"] for o in drawn["objects"]}["b"]
    assert shown.replace("\\\\", "\\") == f"close: {resolution}"  # dot keeps the label's escapes
    mermaid = to_mermaid(spec)
    assert "evil [" not in mermaid and "b -> evil" not in mermaid
