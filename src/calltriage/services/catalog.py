"""The playbook catalogue: YAML files on disk, plus every version an incident pinned (in the store)."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from calltriage.engine.spec import PlaybookSpec
from calltriage.errors import NotFound, PlaybookError
from calltriage.services.spec_cache import SpecCache, file_key, pinned_key
from calltriage.store import Store

# An installed wheel carries the playbooks inside the package (setup.py copies them there);
# an editable install from a checkout reads the repository's playbooks/ folder.
PACKAGED = Path(__file__).resolve().parents[1] / "playbooks"
CHECKOUT = Path(__file__).resolve().parents[3] / "playbooks"
BUNDLED = PACKAGED if PACKAGED.is_dir() else CHECKOUT


def playbook_dirs(value: str | None = None) -> list[Path]:
    """Folders (os.pathsep-separated, ``Settings.playbooks``: ``--playbooks`` > ``CALLTRIAGE_PLAYBOOKS``),
    else the bundled folder."""
    if value:
        return [Path(p).expanduser() for p in value.split(os.pathsep) if p]
    return [BUNDLED]


def is_playbook_file(path: Path) -> bool:
    """``<id>.yaml`` is a playbook; ``<id>.<kind>.yaml`` (cases, messages) is data that goes with one."""
    return "." not in path.stem


def known_probes() -> frozenset[str] | None:
    """Probe names from the registry; None when the probes package is absent (no check)."""
    try:
        from calltriage.probes.registry import known_probe_names
    except ImportError:
        return None
    return frozenset(known_probe_names())


class PlaybookCatalog:
    def __init__(self, store: Store | None, dirs: list[Path], probes: Collection[str] | None = None,
                 cache: SpecCache | None = None) -> None:
        self.store = store
        self.dirs = dirs
        self._probes = probes
        self.cache = cache or SpecCache(None)
        self._pinned: dict[tuple[str, str], PlaybookSpec] = {}

    @property
    def probes(self) -> Collection[str] | None:
        # Only validating a playbook file needs the probe names: replaying a pinned one does not.
        if self._probes is None:
            self._probes = known_probes()
        return self._probes

    def files(self) -> list[Path]:
        found: list[Path] = []
        for folder in self.dirs:
            if not folder.is_dir():
                raise PlaybookError(f"playbook folder {folder} does not exist: pass --playbooks or set "
                                    "CALLTRIAGE_PLAYBOOKS")
            found.extend(p for p in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
                         if is_playbook_file(p))
        return found

    def ids(self) -> list[str]:
        return [p.stem for p in self.files()]

    def all(self) -> list[PlaybookSpec]:
        ids = self.ids()
        return [self._load(p, ids) for p in self.files()]

    def current(self, playbook_id: str) -> PlaybookSpec:
        ids = self.ids()
        for path in self.files():
            if path.stem == playbook_id:
                spec = self._load(path, ids)
                if spec.id != playbook_id:
                    raise PlaybookError(f"{path}: id {spec.id!r} differs from the file name: name the file "
                                        f"{spec.id}.yaml")
                return spec
        raise NotFound(f"no playbook {playbook_id!r}: known playbooks are {', '.join(ids) or '(none)'}")

    def exists(self, playbook_id: str) -> bool:
        return playbook_id in self.ids()

    def _load(self, path: Path, ids: list[str]) -> PlaybookSpec:
        from calltriage.engine.loader import load_playbook, parse_playbook

        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return load_playbook(path, self.probes, known_playbooks=ids)  # raises its one-line error
        probes = self.probes
        return self.cache.get(file_key(source, str(path), probes, ids),
                              lambda: parse_playbook(source, str(path), probes, known_playbooks=ids))

    def pin(self, spec: PlaybookSpec) -> None:
        """Keep this version's source in the store, so the incident can replay it forever."""
        from calltriage.store.models import PlaybookVersion

        assert self.store is not None
        with self.store.write() as session:
            if session.get(PlaybookVersion, (spec.id, spec.version)) is None:
                session.add(PlaybookVersion(playbook_id=spec.id, version=spec.version, title=spec.title,
                                            source=spec.source, path=spec.path, stored_at=datetime.now(UTC)))

    def pinned(self, playbook_id: str, version: str) -> PlaybookSpec:
        # A version is a content hash: once read, it never changes, so it is read from the store once.
        assert self.store is not None
        key = (playbook_id, version)
        spec = self._pinned.get(key)
        if spec is None:
            spec = self._pinned[key] = self.cache.get(pinned_key(playbook_id, version),
                                                      lambda: _read_pinned(self.store, playbook_id, version))
        return spec


def _read_pinned(store: Store | None, playbook_id: str, version: str) -> PlaybookSpec:
    from calltriage.store.models import PlaybookVersion

    assert store is not None
    with store.read() as session:
        row = session.get(PlaybookVersion, (playbook_id, version))
    if row is None:
        raise NotFound(f"playbook {playbook_id}@{version} is not in the store: the database is incomplete, "
                       "restore it from a backup")
    return _parse_cached(row.source, row.path or playbook_id)


@lru_cache(maxsize=64)
def _parse_cached(source: str, path: str) -> PlaybookSpec:
    from calltriage.engine.loader import parse_playbook

    # Probe names were checked when the version was pinned; a registry change must not
    # make a running incident unreadable.
    return parse_playbook(source, path, known_probes=None, known_playbooks=None)
