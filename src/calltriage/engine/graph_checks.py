"""Graph rules of a playbook: targets exist, levels only go up, every node can end, no cycles,
everything reachable. Every walk is iterative and linear in nodes + edges, so a long chain of
nodes costs neither recursion depth nor quadratic time."""

from __future__ import annotations

from collections import defaultdict

from calltriage.domain.model import NodeKind
from calltriage.engine.problems import Problems, did_you_mean
from calltriage.engine.spec import NodeSpec


def successors(node: NodeSpec, entries: dict[str, str]) -> list[str]:
    if node.kind is NodeKind.ESCALATE:
        return [entries[node.request]] if node.request in entries else []
    return [o.next for o in node.outcomes.values()]


def check_graph(problems: Problems, nodes: dict[str, NodeSpec], entries: dict[str, str], start: str) -> None:
    for node in nodes.values():
        for outcome in node.outcomes.values():
            if outcome.next not in nodes:
                problems.add(node.line, f"outcome {outcome.name!r} leads to unknown node {outcome.next!r}"
                             f"{did_you_mean(outcome.next, nodes)}", node.id, "outcomes")
        if node.kind is NodeKind.ESCALATE and node.request and node.request not in entries:
            problems.add(node.line, f"no entry node for request {node.request!r}: add it under `entries:`"
                         f"{did_you_mean(node.request, entries)}", node.id, "request")
    if problems.items:
        return
    for node in nodes.values():
        for succ in successors(node, entries):
            target = nodes[succ]
            if target.level < node.level:
                problems.add(node.line, f"level goes down from {node.level} to {target.level} ({target.id}): "
                             "levels only go up; escalate instead", node.id, "level")
        if node.kind is NodeKind.ESCALATE and node.request in entries and node.to_level:
            entry = nodes[entries[node.request]]
            if entry.level != node.to_level:
                problems.add(node.line, f"escalates to level {node.to_level} but entry {entry.id} is level "
                             f"{entry.level}: make them equal", node.id, "to_level")
    ending = _reaching_an_end(nodes, entries)
    for node in nodes.values():
        if node.id not in ending:
            problems.add(node.line, "no path from here ends in a close or a handoff: route an outcome to one",
                         node.id)
    _check_cycles(problems, nodes, entries)
    if problems.items:
        return
    reachable = reach([start], nodes, entries)
    for node in nodes.values():
        if node.id not in reachable:
            problems.add(node.line, "unreachable from the start node: route an outcome to it or remove it", node.id)


def reach(starts: list[str], nodes: dict[str, NodeSpec], entries: dict[str, str]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(successors(nodes[current], entries))
    return seen


def _reaching_an_end(nodes: dict[str, NodeSpec], entries: dict[str, str]) -> set[str]:
    """Nodes with a path to a close or handoff: a walk backwards from every terminal node."""
    preds: dict[str, list[str]] = defaultdict(list)
    for node in nodes.values():
        for succ in successors(node, entries):
            preds[succ].append(node.id)
    terminals = [n.id for n in nodes.values() if n.kind.terminal]
    seen: set[str] = set()
    stack = terminals
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(preds[current])
    return seen


def _check_cycles(problems: Problems, nodes: dict[str, NodeSpec], entries: dict[str, str]) -> None:
    """Report the first cycle found by a depth-first walk kept on an explicit stack."""
    done: set[str] = set()
    for root in nodes:
        if root in done:
            continue
        trail = [root]
        on_trail = {root}
        todo = [iter(successors(nodes[root], entries))]
        while todo:
            succ = next(todo[-1], None)
            if succ is None:
                todo.pop()
                finished = trail.pop()
                on_trail.discard(finished)
                done.add(finished)
                continue
            if succ in on_trail:
                loop = [*trail[trail.index(succ):], succ]
                where = trail[-1]
                problems.add(nodes[where].line, f"cycle {' -> '.join(loop)}: playbooks are acyclic; "
                             "route one outcome forward", where)
                return
            if succ not in done:
                trail.append(succ)
                on_trail.add(succ)
                todo.append(iter(successors(nodes[succ], entries)))
