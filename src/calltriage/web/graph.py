"""Playbook graphs as inline SVG, drawn by Graphviz ``dot`` on the server.

Operators' browsers may have no internet, so no client-side Mermaid: the server runs
``dot -Tsvg`` on ``engine.render.to_dot`` (with the incident's path highlighted) and caches
the result per (playbook, version, path). When ``dot`` is missing or too slow the desk shows
the path as a plain list instead (``svg`` returns None).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Sequence

from calltriage.engine.render import Segment, family_to_dot, to_dot
from calltriage.engine.spec import PlaybookSpec

DOT_TIMEOUT = 10.0
_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)
_SIZE = re.compile(r'<svg width="[^"]*" height="[^"]*"')


class GraphCache:
    def __init__(self, size: int = 256, dot: str | None = None) -> None:
        self.dot = dot if dot is not None else shutil.which("dot")
        self.size = size
        self._cache: OrderedDict[tuple[str, str, tuple[str, ...]], str | None] = OrderedDict()
        self._lock = threading.Lock()

    def svg(self, spec: PlaybookSpec, path: Sequence[str] = ()) -> str | None:
        if not self.dot:
            return None
        key = (spec.id, spec.version, tuple(path))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        svg = self._render(to_dot(spec, path))
        with self._lock:
            self._cache[key] = svg
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return svg

    def svg_family(self, parts: Sequence[Segment]) -> str | None:
        """Several playbooks an incident walked (handoffs), one drawing; one playbook as ``svg``."""
        if len(parts) == 1:
            return self.svg(parts[0][0], parts[0][1])
        if not self.dot:
            return None
        key = ("+".join(f"{s.id}@{s.version}" for s, _ in parts), "family",
               tuple(f"{i}:{n}" for i, (_, path) in enumerate(parts) for n in path))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        svg = self._render(family_to_dot(parts))
        with self._lock:
            self._cache[key] = svg
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return svg

    def _render(self, source: str) -> str | None:
        assert self.dot is not None
        try:
            done = subprocess.run([self.dot, "-Tsvg"], input=source.encode(), capture_output=True,
                                  timeout=DOT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        text = done.stdout.decode("utf-8", "replace")
        # Inline: drop the XML prolog and DOCTYPE, let CSS size the drawing.
        text = _PROLOG.sub("", text, count=1)
        return _SIZE.sub('<svg class="graph" role="img"', text, count=1)
