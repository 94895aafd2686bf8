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


# ---- an incident across playbooks (handoffs) ------------------------------------------------------
Segment = tuple[PlaybookSpec, Sequence[str]]  # a playbook and the path the incident took in it


def _handoff_links(parts: Sequence[Segment]) -> list[tuple[int, str, str]]:
    """(segment index, handoff node, target start): where the incident moved to the next playbook."""
    links = []
    for index, (spec, path) in enumerate(parts[:-1]):
        handoffs = [n for n in path if n in spec.nodes and spec.node(n).kind is NodeKind.HANDOFF]
        if handoffs:
            links.append((index, handoffs[-1], parts[index + 1][0].start))
    return links


def family_to_dot(parts: Sequence[Segment]) -> str:
    """Every playbook the incident walked, one cluster each, with its path and the handoffs between them."""
    if len(parts) == 1:
        return to_dot(*parts[0])
    lines = ['digraph "incident" {', "    rankdir=TB; compound=true;", '    node [fontname="Helvetica", fontsize=10];']
    for index, (spec, path) in enumerate(parts):
        visited, taken = set(path), _taken(path)
        lines.append(f'    subgraph "cluster_{index}" {{')
        title = dot_string(f"{spec.title} ({spec.id}@{spec.version})")
        lines.append(f'        label={title}; style=rounded; color="#718096";')
        for node in spec.nodes.values():
            style = ', style=filled, fillcolor="#ffe08a"' if node.id in visited else ""
            lines.append(f"        {dot_string(f'{index}:{node.id}')} [label={dot_string(label(node))}, "
                         f"shape={SHAPES_DOT[node.kind]}{style}];")
        for src, dst, name in edges(spec):
            style = ', color="#b7791f", penwidth=3' if (src, dst) in taken else ""
            lines.append(f"        {dot_string(f'{index}:{src}')} -> {dot_string(f'{index}:{dst}')} "
                         f"[label={dot_string(name)}{style}];")
        lines.append("    }")
    for index, src, dst in _handoff_links(parts):
        lines.append(f"    {dot_string(f'{index}:{src}')} -> {dot_string(f'{index + 1}:{dst}')} "
                     '[label="continues", style=dashed, color="#b7791f", penwidth=3];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def family_to_mermaid(parts: Sequence[Segment]) -> str:
    if len(parts) == 1:
        return to_mermaid(*parts[0])
    lines = ["flowchart TD"]
    taken_nodes: list[str] = []
    highlighted: list[str] = []
    count = 0
    for index, (spec, path) in enumerate(parts):
        lines.append(f'    subgraph p{index}["{_mermaid_text(f"{spec.title} ({spec.id}@{spec.version})")}"]')
        for node in spec.nodes.values():
            left, right = SHAPES_MERMAID[node.kind]
            lines.append(f'        p{index}_{_mid(node.id)}{left}"{_mermaid_text(label(node))}"{right}')
        lines.append("    end")
        taken = _taken(path)
        for src, dst, name in edges(spec):
            lines.append(f'    p{index}_{_mid(src)} -->|"{_mermaid_text(name)}"| p{index}_{_mid(dst)}')
            if (src, dst) in taken:
                highlighted.append(str(count))
            count += 1
        taken_nodes.extend(f"p{index}_{_mid(n)}" for n in dict.fromkeys(path) if n in spec.nodes)
    for index, src, dst in _handoff_links(parts):
        lines.append(f'    p{index}_{_mid(src)} -.->|"continues"| p{index + 1}_{_mid(dst)}')
        highlighted.append(str(count))
        count += 1
    lines.append("    classDef taken fill:#ffe08a,stroke:#b7791f,stroke-width:2px")
    if taken_nodes:
        lines.append(f"    class {','.join(taken_nodes)} taken")
    if highlighted:
        lines.append(f"    linkStyle {','.join(highlighted)} stroke:#b7791f,stroke-width:3px")
    return "\n".join(lines) + "\n"
