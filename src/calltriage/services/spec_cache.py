"""A per-user cache of validated playbooks, keyed by a hash of everything that decides them.

`calltriage incident next` would otherwise parse the playbook's YAML (with line numbers, for
error messages) in every process: the slowest part of a short command. An entry is the
spec as JSON (``engine.compiled``), never code, keyed by the source text, its path, the probe
names and playbook ids it was checked against, and the calltriage version (a pinned version by
its playbook id and version, itself a hash of the source). A missing,
unreadable or stale entry is simply rebuilt; a cache folder that cannot be written is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from calltriage import __version__
from calltriage.engine.compiled import FORMAT, spec_from_data, spec_to_data
from calltriage.engine.spec import PlaybookSpec


def file_key(source: str, path: str, probes: Collection[str] | None, ids: Collection[str] | None) -> list[Any]:
    """A playbook file, as validated against these probe names and playbook ids."""
    return ["file", path, source, sorted(probes) if probes is not None else None,
            sorted(ids) if ids is not None else None]


def pinned_key(playbook_id: str, version: str) -> list[Any]:
    """A pinned version: its id is the hash of its source, so the source need not be read."""
    return ["pinned", playbook_id, version]


def _digest(key: list[Any]) -> str:
    return hashlib.sha256(json.dumps([FORMAT, __version__, *key]).encode("utf-8")).hexdigest()


class SpecCache:
    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def get(self, key: list[Any], build: Callable[[], PlaybookSpec]) -> PlaybookSpec:
        if self.folder is None:
            return build()
        entry = self.folder / f"{_digest(key)}.json"
        try:
            return spec_from_data(json.loads(entry.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        spec = build()  # a playbook error propagates: only valid specs are cached
        self._write(entry, spec)
        return spec

    def _write(self, entry: Path, spec: PlaybookSpec) -> None:
        try:
            entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(json.dumps(spec_to_data(spec), ensure_ascii=False).encode("utf-8"))
            os.replace(tmp, entry)  # readers see the whole entry or none
        except OSError:
            pass  # a read-only home: no cache, same results
