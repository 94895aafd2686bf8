"""Immutable playbook specifications, as loaded (and validated) from YAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from calltriage.domain.model import NodeKind


@dataclass(frozen=True, slots=True)
class OutcomeSpec:
    name: str
    next: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class NodeSpec:
    id: str
    kind: NodeKind
    level: int
    prompt: str
    help: str = ""
    outcomes: Mapping[str, OutcomeSpec] = field(default_factory=lambda: MappingProxyType({}))
    # check
    probe: str | None = None
    probe_params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    verdicts: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ask_user: str = ""  # instruction for the user before a watch probe ("force a reconnection")
    wait: float = 0.0  # seconds a watch probe may wait for the user's action
    # The one outcome a watch step accepts when its probe saw nothing (explicit, never implied).
    on_silence: str | None = None
    # close
    resolution: str | None = None
    category: str | None = None
    # escalate
    to_level: int | None = None
    request: str | None = None
    # handoff
    playbook: str | None = None
    line: int = 0

    @property
    def choices(self) -> list[str]:
        return list(self.outcomes)

    @property
    def watches(self) -> bool:
        """A watch step: the user is asked to act and the probe looks for it on the server."""
        return self.kind is NodeKind.CHECK and bool(self.ask_user)

    def target(self, outcome: str) -> str:
        return self.outcomes[outcome].next


@dataclass(frozen=True, slots=True)
class ExternalSpec:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class PlaybookSpec:
    id: str
    title: str
    description: str
    start: str
    nodes: Mapping[str, NodeSpec]
    entries: Mapping[str, str]  # escalation request -> entry node
    external: Mapping[str, ExternalSpec]
    version: str  # content hash of the source: incidents pin it
    source: str
    path: str = ""

    def node(self, node_id: str) -> NodeSpec:
        return self.nodes[node_id]

    @property
    def probes(self) -> frozenset[str]:
        return frozenset(n.probe for n in self.nodes.values() if n.probe)
