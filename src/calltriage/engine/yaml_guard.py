"""Limits checked on a playbook's YAML before anything is built from it.

A playbook is a small, hand-written file; these limits are far above any real one and stop
hostile or broken files before they cost time or memory:

* ``MAX_SOURCE_BYTES``: the text itself;
* ``MAX_DEPTH``: nesting of mappings and sequences (the YAML composer recurses per level);
* ``MAX_ALIASES`` and ``MAX_EXPANDED``: ``*alias`` references, and how many YAML values the
  document would hold with every alias followed (the "billion laughs" is 497 bytes with 81
  aliases that expand to 9^9 strings);
* ``MAX_NODES``: items under the top-level ``nodes:``.

``check_yaml_limits`` reads only libyaml's event stream (C, no objects built, nothing recurses:
milliseconds for any of the above) and returns a problem message, or None when the text is
within the limits. Only then does the round-trip loader (pure Python, slow, with line numbers)
see the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

MAX_SOURCE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_EXPANDED = 200_000
MAX_NODES = 1000  # a real playbook has tens; each node costs validation and a row in the graph

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Open:
    anchor: str | None
    mapping: bool
    values: int = 1  # YAML values under it, itself included, aliases followed
    children: int = 0
    key: str | None = None  # in a mapping: the last key seen, while its value is pending
    is_nodes: bool = False


class _TooMuch(Exception):
    pass


def check_yaml_limits(source: str) -> str | None:
    size = len(source.encode("utf-8"))
    if size > MAX_SOURCE_BYTES:
        return (f"the file is {size} bytes, over the {MAX_SOURCE_BYTES} byte limit for a playbook: "
                "split it into playbooks joined by handoffs")
    try:
        _walk(source)
    except _TooMuch as exc:
        return str(exc)
    except yaml.YAMLError as exc:
        if "depth" in str(exc):  # libyaml's own nesting limit (1000 levels)
            return f"mappings and lists nest deeper than {MAX_DEPTH} levels: flatten the file"
        return None  # malformed: the round-trip loader reports it with its line
    return None


def _walk(source: str) -> None:
    sizes: dict[str, int] = {}  # anchor -> values under it
    stack: list[_Open] = []
    aliases = 0
    for event in yaml.parse(source, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _TooMuch(f"more than {MAX_ALIASES} aliases (*name): a playbook needs none; write the nodes out")
            _add(stack, sizes.get(str(event.anchor), 1), None)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[str(event.anchor)] = 1
            _add(stack, 1, event.value)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise _TooMuch(f"mappings and lists nest deeper than {MAX_DEPTH} levels: flatten the file")
            parent = stack[-1] if stack else None
            is_nodes = len(stack) == 1 and parent is not None and parent.mapping and parent.key == "nodes"
            stack.append(_Open(event.anchor, isinstance(event, yaml.MappingStartEvent), is_nodes=is_nodes))
        elif isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor:
                sizes[str(done.anchor)] = done.values
            _add(stack, done.values, None)
        else:
            continue
        # Each open collection counts itself and its finished children: the stack holds them all.
        if sum(o.values for o in stack) > MAX_EXPANDED:
            raise _TooMuch(f"the YAML expands to more than {MAX_EXPANDED} values once its aliases (*name) are "
                           "followed (an alias bomb?): write the nodes out without aliases")


def _add(stack: list[_Open], values: int, scalar: str | None) -> None:
    if not stack:
        return
    top = stack[-1]
    top.values += values
    if top.mapping:
        if top.key is None:
            top.key = scalar if scalar is not None else ""
            return
        top.key = None
    top.children += 1
    if top.is_nodes and top.children > MAX_NODES:
        raise _TooMuch(f"more than {MAX_NODES} nodes, the limit per playbook: split it into playbooks "
                       "joined by handoffs")
