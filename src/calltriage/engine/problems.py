"""Problems found while validating a playbook, and "did you mean" hints."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from calltriage.errors import PlaybookError


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Problems:
    """Every problem found in one playbook file, each as 'file:line: node: field: message'."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, line: int, message: str, node: str | None = None, field: str | None = None) -> None:
        where = f"{self.path}:{line}" if line else self.path
        parts = [where, f"node {node}" if node else "", f"field {field}" if field else "", message]
        self.items.append(": ".join(p for p in parts if p))

    def raise_if_any(self) -> None:
        if self.items:
            head = self.items[0] if len(self.items) == 1 else f"{self.items[0]} (+{len(self.items) - 1} more)"
            raise PlaybookError(head, problems=list(self.items))
