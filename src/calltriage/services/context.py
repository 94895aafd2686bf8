"""Build the services for one database and one playbook folder (used by every front end)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.spec_cache import SpecCache
from calltriage.store import Store, default_db_url

if TYPE_CHECKING:
    from calltriage.services.cases import IncidentCases
    from calltriage.services.incidents import IncidentService
    from calltriage.services.majors import MajorService


class App:
    """The services of one database. ``incidents`` is built on first use (it brings the ORM,
    which `calltriage incident next` does without); so are ``majors``."""

    def __init__(self, store: Store, catalog: PlaybookCatalog, incidents: IncidentService | None = None, *,
                 major_threshold: int = 3, major_window: float = 3600.0) -> None:
        self.store = store
        self.catalog = catalog
        self._incidents = incidents
        self._cases: IncidentCases | None = None
        self._majors: MajorService | None = None
        self._major = (major_threshold, major_window)

    @property
    def cases(self) -> IncidentCases:
        """The use-case API every front end calls (``services.cases``)."""
        if self._cases is None:
            from calltriage.services.cases import IncidentCases

            self._cases = IncidentCases(self)
        return self._cases

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
            from calltriage.services.majors import MajorService, MajorSettings

            threshold, window = self._major
            self._majors = MajorService(self.incidents, MajorSettings(threshold=threshold, window=window))
        return self._majors

    def _group_finding(self, incident_id: int, result: dict[str, Any]) -> None:
        self.majors.consider(incident_id, result)

    def close(self) -> None:
        self.store.dispose()


def build_app(db: str | None = None, playbooks: str | None = None, *, ready: bool = True,
              cache_dir: Path | None = None, major_threshold: int = 3, major_window: float = 3600.0) -> App:
    store = Store(default_db_url(db))
    if ready:
        store.ensure_ready()
    catalog = PlaybookCatalog(store, playbook_dirs(playbooks), cache=SpecCache(cache_dir))
    return App(store=store, catalog=catalog, major_threshold=major_threshold, major_window=major_window)
