"""Build the services for one database and one playbook folder (used by every front end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.incidents import IncidentService
from calltriage.store import Store, default_db_url


@dataclass
class App:
    store: Store
    catalog: PlaybookCatalog
    incidents: IncidentService
    _majors: Any = field(default=None, repr=False)

    @property
    def majors(self) -> Any:
        """Major incidents (``services.majors.MajorService``), built on first use."""
        if self._majors is None:
            from calltriage.services.majors import MajorService

            self._majors = MajorService(self.incidents)
        return self._majors

    def close(self) -> None:
        self.store.dispose()


def build_app(db: str | None = None, playbooks: str | None = None, *, ready: bool = True) -> App:
    store = Store(default_db_url(db))
    if ready:
        store.ensure_ready()
    catalog = PlaybookCatalog(store, playbook_dirs(playbooks))
    app = App(store=store, catalog=catalog, incidents=IncidentService(store, catalog))
    # Server-side findings group incidents into major incidents as probes record them.
    app.incidents.after_probe = lambda incident_id, result: app.majors.consider(incident_id, result)
    return app
