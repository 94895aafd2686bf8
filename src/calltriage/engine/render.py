"""Draw a playbook as Mermaid or Graphviz DOT, optionally with an incident's path highlighted."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from calltriage.domain.model import NodeKind
from calltriage.engine.spec import NodeSpec, PlaybookSpec

SHAPES_MERMAID = {
    NodeKind.QUESTION: ("[", "]"),
    NodeKind.CHECK: ("[[", "]]"),
    NodeKind.CLOSE: ("([", "])"),
    NodeKind.ESCALATE: ("{{", "}}"),
    NodeKind.HANDOFF: (">", "]"),
}
SHAPES_DOT = {
    NodeKind.QUESTION: "box",
    NodeKind.CHECK: "box3d",
    NodeKind.CLOSE: "doubleoctagon",
    NodeKind.ESCALATE: "hexagon",
    NodeKind.HANDOFF: "cds",
}


def edges(spec: PlaybookSpec) -> list[tuple[str, str, str]]:
    out = []
    for node in spec.nodes.values():
        if node.kind is NodeKind.ESCALATE and node.request:
            out.append((node.id, spec.entries[node.request], f"L{node.to_level}: {node.request}"))
        for outcome in node.outcomes.values():
            out.append((node.id, outcome.next, outcome.name))
    return out


def label(node: NodeSpec) -> str:
    if node.kind is NodeKind.CLOSE:
        return f"close: {node.resolution}"
    if node.kind is NodeKind.HANDOFF:
        return f"handoff: {node.playbook}"
    if node.kind is NodeKind.ESCALATE:
        return f"escalate to L{node.to_level}"
    return f"L{node.level} {node.id}"


def _taken(path: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(path))


def _mid(node_id: str) -> str:
    return node_id.replace(".", "_").replace("-", "_")


def to_mermaid(spec: PlaybookSpec, path: Sequence[str] = ()) -> str:
    lines = ["flowchart TD"]
    for node in spec.nodes.values():
        left, right = SHAPES_MERMAID[node.kind]
        text = label(node).replace('"', "'")
        lines.append(f'    {_mid(node.id)}{left}"{text}"{right}')
    taken = _taken(path)
    highlighted = []
    for index, (src, dst, name) in enumerate(edges(spec)):
        lines.append(f"    {_mid(src)} -->|{name}| {_mid(dst)}")
        if (src, dst) in taken:
            highlighted.append(str(index))
    if path:
        lines.append("    classDef taken fill:#ffe08a,stroke:#b7791f,stroke-width:2px")
        lines.append(f"    class {','.join(_mid(n) for n in dict.fromkeys(path) if n in spec.nodes)} taken")
        if highlighted:
            lines.append(f"    linkStyle {','.join(highlighted)} stroke:#b7791f,stroke-width:3px")
    return "\n".join(lines) + "\n"


def to_dot(spec: PlaybookSpec, path: Sequence[str] = ()) -> str:
    visited = set(path)
    taken = _taken(path)
    lines = [f'digraph "{spec.id}" {{', "    rankdir=TB;", '    node [fontname="Helvetica", fontsize=10];']
    for node in spec.nodes.values():
        style = ', style=filled, fillcolor="#ffe08a"' if node.id in visited else ""
        lines.append(f'    "{node.id}" [label="{label(node)}", shape={SHAPES_DOT[node.kind]}{style}];')
    for src, dst, name in edges(spec):
        style = ', color="#b7791f", penwidth=3' if (src, dst) in taken else ""
        lines.append(f'    "{src}" -> "{dst}" [label="{name}"{style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
