"""Load playbooks from YAML and validate their graph.

Every problem names the file, the line, the node and the field, and suggests a fix
("did you mean …"), so that a support lead editing YAML in Git never needs to read Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from calltriage.domain.model import Category, NodeKind, ProbeStatus
from calltriage.engine.graph_checks import check_graph
from calltriage.engine.problems import Problems, did_you_mean
from calltriage.engine.spec import ExternalSpec, NodeSpec, OutcomeSpec, PlaybookSpec
from calltriage.engine.yaml_guard import MAX_NODES, MAX_SOURCE_BYTES, check_yaml_limits
from calltriage.errors import PlaybookError

__all__ = ["MAX_NODES", "MAX_SOURCE_BYTES", "load_playbook", "parse_playbook"]

TOP_FIELDS = {"schema", "id", "title", "description", "start", "entries", "external", "nodes"}
COMMON_FIELDS = {"id", "kind", "level", "prompt", "help"}
KIND_FIELDS: dict[NodeKind, set[str]] = {
    NodeKind.QUESTION: {"outcomes"},
    NodeKind.CHECK: {"outcomes", "probe", "with", "verdicts", "ask_user", "wait", "on_silence"},
    NodeKind.CLOSE: {"resolution", "category"},
    NodeKind.ESCALATE: {"to_level", "request"},
    NodeKind.HANDOFF: {"playbook", "category"},
}
LEVELS = (1, 2, 3)


def _line(obj: Any, key: Any = None) -> int:
    try:
        if key is not None and isinstance(obj, CommentedMap):
            return int(obj.lc.key(key)[0]) + 1
        return int(obj.lc.line) + 1
    except (AttributeError, KeyError, TypeError):
        return 0


def load_playbook(path: Path, known_probes: Collection[str] | None = None,
                  known_playbooks: Collection[str] | None = ()) -> PlaybookSpec:
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlaybookError(
            f"{path}: no such playbook file: check the path or run `calltriage playbook list`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlaybookError(f"{path}: cannot read the playbook ({exc}): save it as UTF-8 text") from None
    return parse_playbook(source, str(path), known_probes, known_playbooks)


def parse_playbook(source: str, path: str = "<playbook>", known_probes: Collection[str] | None = None,
                   known_playbooks: Collection[str] | None = ()) -> PlaybookSpec:
    """Parse and validate a playbook.

    ``known_probes`` None skips the probe-name check; ``known_playbooks`` None skips the check
    that handoff targets exist (used when replaying a pinned version).
    """
    problems = Problems(path)
    try:
        too_much = check_yaml_limits(source)
        if too_much:
            raise PlaybookError(f"{path}: {too_much}")
        doc = YAML(typ="rt", pure=True).load(source)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        problems.add(line, f"malformed YAML: {exc.problem or exc.context}: fix the indentation or quoting")
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc
    except YAMLError as exc:
        raise PlaybookError(f"{path}: malformed YAML ({exc}): fix the file") from exc
    if not isinstance(doc, CommentedMap):
        raise PlaybookError(f"{path}: a playbook is a YAML mapping with id, title, start and nodes")

    for key in doc:
        if key not in TOP_FIELDS:
            problems.add(_line(doc, key), f"unknown top-level field {key!r}{did_you_mean(key, TOP_FIELDS)}")
    for key in ("id", "title", "start", "nodes"):
        if key not in doc:
            problems.add(0, f"missing required top-level field {key!r}")
    problems.raise_if_any()
    if doc.get("schema", 1) != 1:
        problems.add(_line(doc, "schema"), f"unsupported schema {doc['schema']!r}: this calltriage reads schema 1")

    count = len(doc["nodes"]) if isinstance(doc["nodes"], list) else 0
    if count > MAX_NODES:
        raise PlaybookError(f"{path}: {count} nodes, over the limit of {MAX_NODES} nodes per playbook: "
                            "split it into playbooks joined by handoffs")
    external = _externals(doc, problems)
    nodes = _nodes(doc, problems, external, known_probes,
                   None if known_playbooks is None else set(known_playbooks))
    entries = _entries(doc, problems, nodes)
    problems.raise_if_any()

    start = str(doc["start"])
    if start not in nodes:
        problems.add(_line(doc, "start"), f"start node {start!r} does not exist{did_you_mean(start, nodes)}")
    problems.raise_if_any()
    check_graph(problems, nodes, entries, start)
    problems.raise_if_any()

    return PlaybookSpec(
        id=str(doc["id"]),
        title=str(doc["title"]),
        description=str(doc.get("description") or "").strip(),
        start=start,
        nodes=MappingProxyType(nodes),
        entries=MappingProxyType(entries),
        external=MappingProxyType(external),
        version=hashlib.sha256(source.encode("utf-8")).hexdigest()[:16],
        source=source,
        path=path,
    )


def _externals(doc: CommentedMap, problems: Problems) -> dict[str, ExternalSpec]:
    raw = doc.get("external")
    if raw is None:
        return {}
    if not isinstance(raw, CommentedMap):
        problems.add(_line(doc, "external"), "external must map a playbook id to {title: ...}")
        return {}
    out = {}
    for key, value in raw.items():
        title = value.get("title") if isinstance(value, CommentedMap) else None
        if not title:
            problems.add(_line(raw, key), f"external playbook {key!r} needs a title: add `title: ...`")
        out[str(key)] = ExternalSpec(str(key), str(title or key))
    return out


def _entries(doc: CommentedMap, problems: Problems, nodes: dict[str, NodeSpec]) -> dict[str, str]:
    raw = doc.get("entries")
    if raw is None:
        return {}
    if not isinstance(raw, CommentedMap):
        problems.add(_line(doc, "entries"), "entries must map an escalation request to its entry node")
        return {}
    out = {}
    for request, target in raw.items():
        if str(target) not in nodes:
            problems.add(_line(raw, request), f"entry for request {request!r} is unknown node {target!r}"
                         f"{did_you_mean(target, nodes)}")
        out[str(request)] = str(target)
    return out


def _nodes(doc: CommentedMap, problems: Problems, external: dict[str, ExternalSpec],
           known_probes: Collection[str] | None, known_playbooks: set[str] | None) -> dict[str, NodeSpec]:
    raw = doc.get("nodes")
    if not isinstance(raw, CommentedSeq) or not raw:
        problems.add(_line(doc, "nodes"), "nodes must be a non-empty list of node mappings")
        return {}
    nodes: dict[str, NodeSpec] = {}
    for item in raw:
        if not isinstance(item, CommentedMap):
            problems.add(_line(raw), "each node must be a mapping with id, kind, level and prompt")
            continue
        node = _node(item, problems, external, known_probes, known_playbooks)
        if node is None:
            continue
        if node.id in nodes:
            problems.add(node.line, f"duplicate node id (first defined on line {nodes[node.id].line}): "
                         "rename one of them", node.id)
            continue
        nodes[node.id] = node
    return nodes


def _node(item: CommentedMap, problems: Problems, external: dict[str, ExternalSpec],
          known_probes: Collection[str] | None, known_playbooks: set[str] | None) -> NodeSpec | None:
    line = _line(item)
    node_id = item.get("id")
    if not node_id:
        problems.add(line, "node without an id: add `id: ...`")
        return None
    node_id = str(node_id)
    kind_raw = str(item.get("kind", ""))
    try:
        kind = NodeKind(kind_raw)
    except ValueError:
        kinds = [k.value for k in NodeKind]
        problems.add(_line(item, "kind"), f"unknown node kind {kind_raw!r}{did_you_mean(kind_raw, kinds)}; "
                     f"kinds are {', '.join(kinds)}", node_id, "kind")
        return None
    allowed = COMMON_FIELDS | KIND_FIELDS[kind]
    for key in item:
        if key not in allowed:
            problems.add(_line(item, key), f"unknown field {key!r} for a {kind.value} node"
                         f"{did_you_mean(key, allowed)}", node_id, str(key))
    level = item.get("level")
    if level not in LEVELS:
        problems.add(_line(item, "level") or line, f"level must be 1, 2 or 3, not {level!r}", node_id, "level")
        level = 1
    if not item.get("prompt"):
        problems.add(line, "missing prompt: say what the operator should establish", node_id, "prompt")

    outcomes: dict[str, OutcomeSpec] = {}
    if kind in (NodeKind.QUESTION, NodeKind.CHECK):
        raw = item.get("outcomes")
        if not isinstance(raw, CommentedMap) or not raw:
            problems.add(_line(item, "outcomes") or line, "a question or check needs named outcomes",
                         node_id, "outcomes")
        else:
            for name, value in raw.items():
                target = value.get("next") if isinstance(value, CommentedMap) else value
                label = value.get("label", "") if isinstance(value, CommentedMap) else ""
                if not target:
                    problems.add(_line(raw, name), f"outcome {name!r} leads nowhere: give it a next node",
                                 node_id, "outcomes")
                    continue
                outcomes[str(name)] = OutcomeSpec(str(name), str(target), str(label))

    spec = NodeSpec(
        id=node_id, kind=kind, level=int(level), prompt=str(item.get("prompt") or "").strip(),
        help=str(item.get("help") or "").strip(), outcomes=MappingProxyType(outcomes), line=line,
    )
    if kind is NodeKind.CHECK:
        return _check_fields(item, spec, problems, known_probes)
    if kind is NodeKind.CLOSE:
        return _close_fields(item, spec, problems)
    if kind is NodeKind.ESCALATE:
        to_level, request = item.get("to_level"), item.get("request")
        if to_level not in LEVELS or to_level <= spec.level:
            problems.add(_line(item, "to_level") or line, f"to_level must be a higher level than {spec.level}, "
                         f"not {to_level!r}", node_id, "to_level")
        if not request:
            problems.add(line, "an escalation needs a request type", node_id, "request")
        return _replace(spec, to_level=int(to_level) if to_level in LEVELS else None,
                        request=str(request) if request else None)
    if kind is NodeKind.HANDOFF:
        target = str(item.get("playbook") or "")
        if known_playbooks is not None and target not in external and target not in known_playbooks:
            problems.add(_line(item, "playbook") or line, f"handoff to unknown playbook {target!r}: declare it "
                         f"under `external:` with a title{did_you_mean(target, external)}", node_id, "playbook")
        return _replace(spec, playbook=target, category=_category(item, spec, problems))
    return spec


def _check_fields(item: CommentedMap, spec: NodeSpec, problems: Problems,
                  known_probes: Collection[str] | None) -> NodeSpec:
    probe = str(item.get("probe") or "")
    if not probe:
        problems.add(spec.line, "a check needs a probe name", spec.id, "probe")
    elif known_probes is not None and probe not in known_probes:
        problems.add(_line(item, "probe"), f"unknown probe {probe!r}{did_you_mean(probe, known_probes)}; "
                     f"known probes: {', '.join(sorted(known_probes))}", spec.id, "probe")
    verdicts = item.get("verdicts") or {}
    statuses = [s.value for s in ProbeStatus if s.decides]
    for status, outcome in (verdicts.items() if isinstance(verdicts, CommentedMap) else []):
        if status == ProbeStatus.SILENT.value:
            problems.add(_line(verdicts, status), "silence is not a verdict: a watch that saw nothing leaves the "
                         "step to the operator; to accept one outcome on silence, set `on_silence:` on a watch "
                         "step (see docs/playbooks.md)", spec.id, "verdicts")
            continue
        if status == ProbeStatus.ERROR.value:
            problems.add(_line(verdicts, status), "`error` means the probe could not look and never decides: "
                         "remove it (the step becomes a question for the operator)", spec.id, "verdicts")
            continue
        if status not in statuses:
            problems.add(_line(verdicts, status), f"unknown probe status {status!r}{did_you_mean(status, statuses)}",
                         spec.id, "verdicts")
        if outcome not in spec.outcomes:
            problems.add(_line(verdicts, status), f"verdict {status!r} maps to unknown outcome {outcome!r}"
                         f"{did_you_mean(outcome, spec.outcomes)}", spec.id, "verdicts")
    params = item.get("with") or {}
    wait = item.get("wait", 0)
    if not isinstance(wait, int | float) or wait < 0:
        problems.add(_line(item, "wait"), f"wait must be a number of seconds, not {wait!r}", spec.id, "wait")
        wait = 0
    ask_user = str(item.get("ask_user") or "")
    on_silence = item.get("on_silence")
    if on_silence is not None:
        if not ask_user:
            problems.add(_line(item, "on_silence"), "on_silence applies only to a watch step: add `ask_user:` "
                         "(what the user must do) or remove on_silence", spec.id, "on_silence")
        elif str(on_silence) not in spec.outcomes:
            problems.add(_line(item, "on_silence"), f"on_silence names unknown outcome {on_silence!r}"
                         f"{did_you_mean(str(on_silence), spec.outcomes)}; outcomes are "
                         f"{', '.join(spec.outcomes)}", spec.id, "on_silence")
    return _replace(spec, probe=probe, probe_params=MappingProxyType(dict(params)),
                    verdicts=MappingProxyType({str(k): str(v) for k, v in dict(verdicts).items()}),
                    ask_user=ask_user, wait=float(wait),
                    on_silence=str(on_silence) if on_silence is not None else None)


def _close_fields(item: CommentedMap, spec: NodeSpec, problems: Problems) -> NodeSpec:
    if not item.get("resolution"):
        problems.add(spec.line, "a close needs a resolution code", spec.id, "resolution")
    return _replace(spec, resolution=str(item.get("resolution") or ""), category=_category(item, spec, problems))


def _category(item: CommentedMap, spec: NodeSpec, problems: Problems) -> str:
    category = str(item.get("category") or "")
    names = [c.value for c in Category]
    if category not in names:
        problems.add(_line(item, "category") or spec.line, f"unknown category {category!r}"
                     f"{did_you_mean(category, names)}; categories are {', '.join(names)}", spec.id, "category")
    return category


def _replace(spec: NodeSpec, **changes: Any) -> NodeSpec:
    from dataclasses import replace

    return replace(spec, **changes)
