"""A validated playbook as plain JSON data, and back: what the playbook cache stores.

Parsing YAML with line numbers is the slowest part of a short CLI command; a spec that was
already validated is rebuilt from this form instead. Pure: no files here (``services.spec_cache``).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from calltriage.domain.model import NodeKind
from calltriage.engine.spec import ExternalSpec, NodeSpec, OutcomeSpec, PlaybookSpec

FORMAT = 1
_NODE_FIELDS = ("id", "level", "prompt", "help", "probe", "ask_user", "wait", "resolution", "category", "to_level",
                "request", "playbook", "line")


def spec_to_data(spec: PlaybookSpec) -> dict[str, Any]:
    nodes = []
    for node in spec.nodes.values():
        item: dict[str, Any] = {name: getattr(node, name) for name in _NODE_FIELDS}
        item["kind"] = node.kind.value
        item["outcomes"] = [[o.name, o.next, o.label] for o in node.outcomes.values()]
        item["probe_params"] = dict(node.probe_params)
        item["verdicts"] = dict(node.verdicts)
        nodes.append(item)
    return {"format": FORMAT, "id": spec.id, "title": spec.title, "description": spec.description,
            "start": spec.start, "nodes": nodes, "entries": dict(spec.entries),
            "external": [[e.id, e.title] for e in spec.external.values()], "version": spec.version,
            "source": spec.source, "path": spec.path}


def spec_from_data(data: dict[str, Any]) -> PlaybookSpec:
    """The spec ``spec_to_data`` described; ``ValueError`` for anything else (a stale cache entry)."""
    if data.get("format") != FORMAT:
        raise ValueError("another cache format")
    nodes = {}
    for item in data["nodes"]:
        fields = {name: item[name] for name in _NODE_FIELDS}
        outcomes = {name: OutcomeSpec(name, target, label) for name, target, label in item["outcomes"]}
        nodes[item["id"]] = NodeSpec(kind=NodeKind(item["kind"]), outcomes=MappingProxyType(outcomes),
                                     probe_params=MappingProxyType(dict(item["probe_params"])),
                                     verdicts=MappingProxyType(dict(item["verdicts"])), **fields)
    return PlaybookSpec(
        id=data["id"], title=data["title"], description=data["description"], start=data["start"],
        nodes=MappingProxyType(nodes), entries=MappingProxyType(dict(data["entries"])),
        external=MappingProxyType({i: ExternalSpec(i, t) for i, t in data["external"]}),
        version=data["version"], source=data["source"], path=data["path"])
