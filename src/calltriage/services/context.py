"""Build the services for one database and one playbook folder (used by every front end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.incidents import IncidentService
from calltriage.store import Store, default_db_url

if TYPE_CHECKING:
    from calltriage.services.cases import IncidentCases


@dataclass
class App:
    store: Store
    catalog: PlaybookCatalog
    incidents: IncidentService
    _cases: IncidentCases | None = field(default=None, repr=False)

    @property
    def cases(self) -> IncidentCases:
        """The use-case API every front end calls (``services.cases``)."""
        if self._cases is None:
            from calltriage.services.cases import IncidentCases

            self._cases = IncidentCases(self)
        return self._cases

    def close(self) -> None:
        self.store.dispose()


def build_app(db: str | None = None, playbooks: str | None = None, *, ready: bool = True) -> App:
    store = Store(default_db_url(db))
    if ready:
        store.ensure_ready()
    catalog = PlaybookCatalog(store, playbook_dirs(playbooks))
    return App(store=store, catalog=catalog, incidents=IncidentService(store, catalog))
