"""The error-message catalogue: the app's message -> an outcome of a playbook node, plus what to do.

``playbooks/<id>.messages.yaml`` names its playbook and node (``specific-error`` / ``se.message``)
and lists entries with case-insensitive ``match`` fragments, the ``outcome`` of that node (a
handoff to a procedure, or a close), the ``instruction`` for the operator and where the entry
comes from (``source``). The first entry with a fragment in the message wins. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import PlaybookError


@dataclass(frozen=True, slots=True)
class MessageEntry:
    id: str
    match: tuple[str, ...]
    outcome: str
    instruction: str
    source: str


@dataclass(frozen=True, slots=True)
class MessageCatalogue:
    playbook: str
    node: str
    entries: tuple[MessageEntry, ...]
    path: str = ""

    def lookup(self, message: str) -> MessageEntry | None:
        text = " ".join(message.lower().split())
        for entry in self.entries:
            if any(fragment in text for fragment in entry.match):
                return entry
        return None

    def problems(self, spec: PlaybookSpec) -> list[str]:
        """What does not fit the playbook: an unknown node, or an outcome the node does not have."""
        if spec.id != self.playbook:
            return [f"{self.path}: the catalogue is for {self.playbook!r}, not {spec.id!r}"]
        if self.node not in spec.nodes:
            return [f"{self.path}: node {self.node!r} is not in {spec.id}: name one of its questions"]
        outcomes = spec.node(self.node).outcomes
        return [f"{self.path}: entry {e.id!r}: {e.outcome!r} is not an outcome of {self.node} "
                f"(outcomes: {', '.join(outcomes)})" for e in self.entries if e.outcome not in outcomes]


def parse_messages(source: str, path: str) -> MessageCatalogue:
    try:
        doc = YAML(typ="rt", pure=True).load(source)
    except YAMLError as exc:
        raise PlaybookError(f"{path}: malformed YAML ({str(exc).splitlines()[0]}): fix the file") from None
    if not isinstance(doc, CommentedMap) or not isinstance(doc.get("messages"), CommentedSeq):
        raise PlaybookError(f"{path}: a message catalogue is a mapping with playbook, node and a list `messages:`")
    entries = []
    for item in doc["messages"]:
        line = int(getattr(getattr(item, "lc", None), "line", -1)) + 1
        if not isinstance(item, CommentedMap):
            raise PlaybookError(f"{path}:{line}: each message is a mapping with id, match, outcome, instruction")
        fragments = item.get("match")
        if isinstance(fragments, str):
            fragments = [fragments]
        missing = [k for k in ("id", "outcome", "instruction") if not item.get(k)]
        if missing or not fragments:
            raise PlaybookError(f"{path}:{line}: message entry needs {', '.join(missing or ['match'])}: add it")
        entries.append(MessageEntry(str(item["id"]), tuple(" ".join(str(f).lower().split()) for f in fragments),
                                    str(item["outcome"]), " ".join(str(item["instruction"]).split()),
                                    str(item.get("source") or "")))
    return MessageCatalogue(str(doc.get("playbook") or ""), str(doc.get("node") or ""), tuple(entries), path)
