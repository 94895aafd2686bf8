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
        text = _mermaid_text(label(node))
        lines.append(f'    {_mid(node.id)}{left}"{text}"{right}')
    taken = _taken(path)
    highlighted = []
    for index, (src, dst, name) in enumerate(edges(spec)):
        lines.append(f'    {_mid(src)} -->|"{_mermaid_text(name)}"| {_mid(dst)}')
        if (src, dst) in taken:
            highlighted.append(str(index))
    if path:
        lines.append("    classDef taken fill:#ffe08a,stroke:#b7791f,stroke-width:2px")
        lines.append(f"    class {','.join(_mid(n) for n in dict.fromkeys(path) if n in spec.nodes)} taken")
        if highlighted:
            lines.append(f"    linkStyle {','.join(highlighted)} stroke:#b7791f,stroke-width:3px")
    return "\n".join(lines) + "\n"


def dot_string(text: str) -> str:
    """``text`` as a quoted DOT string: quotes and backslashes escaped, no line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + " ".join(escaped.split("\n")).replace("\r", " ") + '"'


def _mermaid_text(text: str) -> str:
    """Text for a Mermaid label: quotes, pipes, brackets and line breaks as entities or spaces."""
    for char, entity in (("&", "#amp;"), ('"', "#quot;"), ("|", "#124;"), ("[", "#91;"), ("]", "#93;"),
                         ("{", "#123;"), ("}", "#125;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, entity)
    return " ".join(text.splitlines())


def to_dot(spec: PlaybookSpec, path: Sequence[str] = ()) -> str:
    visited = set(path)
    taken = _taken(path)
    lines = [f"digraph {dot_string(spec.id)} {{", "    rankdir=TB;", '    node [fontname="Helvetica", fontsize=10];']
    for node in spec.nodes.values():
        style = ', style=filled, fillcolor="#ffe08a"' if node.id in visited else ""
        lines.append(f"    {dot_string(node.id)} [label={dot_string(label(node))}, "
                     f"shape={SHAPES_DOT[node.kind]}{style}];")
    for src, dst, name in edges(spec):
        style = ', color="#b7791f", penwidth=3' if (src, dst) in taken else ""
        lines.append(f"    {dot_string(src)} -> {dot_string(dst)} [label={dot_string(name)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
