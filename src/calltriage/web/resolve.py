"""Playbook look-ups shared by the API and the desk: resolution codes, escalation requests."""

from __future__ import annotations

from calltriage.domain.model import NodeKind
from calltriage.engine.spec import PlaybookSpec
from calltriage.services.context import App


def closes(spec: PlaybookSpec) -> dict[str, str]:
    """{resolution code: close node id}, the choices of a manual close."""
    return {n.resolution: n.id for n in spec.nodes.values() if n.kind is NodeKind.CLOSE and n.resolution}


def requests_above(spec: PlaybookSpec, level: int) -> dict[str, int]:
    """{escalation request: level it continues at} for requests above ``level``."""
    return {req: spec.node(entry).level for req, entry in spec.entries.items() if spec.node(entry).level > level}


def close_node(services: App, incident_id: int, resolution: str) -> str:
    """Accept a resolution code (as the CLI does) or a close node id."""
    spec = services.incidents.spec_for(services.incidents.get(incident_id))
    return closes(spec).get(resolution, resolution)
