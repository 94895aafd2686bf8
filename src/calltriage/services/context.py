"""Build the services for one database and one playbook folder (used by every front end)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.spec_cache import SpecCache
from calltriage.store import Store, default_db_url

if TYPE_CHECKING:
    from calltriage.services.incidents import IncidentService
    from calltriage.services.majors import MajorService


class App:
    """The services of one database. ``incidents`` is built on first use (it brings the ORM,
    which `calltriage incident next` does without); so are ``majors``."""

    def __init__(self, store: Store, catalog: PlaybookCatalog, incidents: IncidentService | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self._incidents = incidents
        self._majors: MajorService | None = None

    @property
    def incidents(self) -> IncidentService:
        if self._incidents is None:
            from calltriage.services.incidents import IncidentService

            self._incidents = IncidentService(self.store, self.catalog)
            # Server-side findings group incidents into major incidents as probes record them.
            self._incidents.after_probe = self._group_finding
        return self._incidents

    @property
    def majors(self) -> MajorService:
        """Major incidents (``services.majors``), built on first use."""
        if self._majors is None:
            from calltriage.services.majors import MajorService

            self._majors = MajorService(self.incidents)
        return self._majors

    def _group_finding(self, incident_id: int, result: dict[str, Any]) -> None:
        self.majors.consider(incident_id, result)

    def close(self) -> None:
        self.store.dispose()


def build_app(db: str | None = None, playbooks: str | None = None, *, ready: bool = True,
              cache_dir: Path | None = None) -> App:
    store = Store(default_db_url(db))
    if ready:
        store.ensure_ready()
    catalog = PlaybookCatalog(store, playbook_dirs(playbooks), cache=SpecCache(cache_dir))
    return App(store=store, catalog=catalog)
