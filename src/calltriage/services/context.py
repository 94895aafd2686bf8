"""Build the services for one database and one playbook folder (used by every front end)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.spec_cache import SpecCache
from calltriage.store import Store, default_db_url

if TYPE_CHECKING:
    from calltriage.services.incidents import IncidentService


class App:
    """The services of one database. ``incidents`` is built on first use (it brings the ORM,
    which `calltriage incident next` does without)."""

    def __init__(self, store: Store, catalog: PlaybookCatalog, incidents: IncidentService | None = None) -> None:
        self.store = store
        self.catalog = catalog
        self._incidents = incidents

    @property
    def incidents(self) -> IncidentService:
        if self._incidents is None:
            from calltriage.services.incidents import IncidentService

            self._incidents = IncidentService(self.store, self.catalog)
        return self._incidents

    def close(self) -> None:
        self.store.dispose()


def build_app(db: str | None = None, playbooks: str | None = None, *, ready: bool = True,
              cache_dir: Path | None = None) -> App:
    store = Store(default_db_url(db))
    if ready:
        store.ensure_ready()
    catalog = PlaybookCatalog(store, playbook_dirs(playbooks), cache=SpecCache(cache_dir))
    return App(store=store, catalog=catalog)
