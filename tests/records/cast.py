"""The cast and props of the records tests: a settable clock, an App on the test database, walks
through the seed playbook, a probe result with evidence and a client log with planted secrets."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.context import App
from calltriage.services.incidents import Actor, IncidentService
from calltriage.store import Store
from tests.cast import (  # noqa: F401 - re-exported: the records tests import the cast from here
    ANA,
    BEN,
    CY,
    TO_CLIENT_MISCONFIGURATION,
    TO_CONNECTION_HANDOFF,
    TO_REMOTE_PARTY_CHECK,
    TO_SERVER_STATUS_CHECK,
    TO_TEMPORARY_NETWORK,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CLIENTLOG_DATA = Path(__file__).resolve().parents[1] / "clientlog" / "data"

# Secrets planted in the uploaded log: none of them may be stored or exported.
PLANTED_PASSWORDS = ("Planted-Pa55word!", "Planted-JSON-Secret", "Planted-Uri-Pw", "Planted-Obf-Key-123")
PLANTED_DIGESTS = ("58b004a0a25860296e1f672c2ec900f4", "1d8c57bd8ed1766314acf311126ca31b")


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


@functools.cache
def seed_only() -> Path:
    """A playbook folder with only the seed: a deployment whose handoff targets are not written yet,
    so a handoff ends the incident as ``handed-off`` (what the records and reports tests count).
    One private folder per test process: concurrent runs must never read a half-written copy."""
    folder = Path(tempfile.mkdtemp(prefix="calltriage-seed-only-"))
    atexit.register(shutil.rmtree, folder, True)
    source = playbook_dirs()[0] / "user-cant-call-professional.yaml"
    (folder / source.name).write_bytes(source.read_bytes())
    return folder


def make_app(db_url: str, clock: Clock | None = None) -> App:
    store = Store(db_url)
    catalog = PlaybookCatalog(store, [seed_only()])
    service = IncidentService(store, catalog, clock=clock) if clock else IncidentService(store, catalog)
    return App(store=store, catalog=catalog, incidents=service)


def open_incident(app: App, caller: str = "alice", callee: str = "bob", *, summary: str = "",
                  reporter: str = "") -> int:
    view = app.incidents.open(playbook_id="user-cant-call-professional", caller=caller, callee=callee,
                              summary=summary, reporter=reporter, actor=ANA)
    return int(view["id"])


def walk(app: App, incident_id: int, outcomes: list[str], actor: Actor = ANA) -> dict[str, object]:
    view: dict[str, object] = {}
    for outcome in outcomes:
        view = app.incidents.answer(incident_id, outcome, actor=actor)
    return view


def registration_result(account: str = "alice", ip: str = "192.0.2.10") -> ProbeResult:
    contact = {"address": f"sip:{account}@{ip}:5061;transport=tls", "source": f"tls:{ip}:5061",
               "user_agent": "PrivateGSM 3.1.0", "expires": 300}
    return ProbeResult("registrar.registration", ProbeStatus.OK,
                       f"{account} is registered over TLS from {ip}:5061, client PrivateGSM 3.1.0",
                       {"account": account, "state": "registered", "contacts": [contact]}, 0.0123)


def planted_log() -> bytes:
    """The lab's wrong-password PJSIP log (real digest responses) plus config dumps with secrets."""
    text = (CLIENTLOG_DATA / "pjsip_wrong_password.log").read_text(encoding="utf-8")
    extra = (
        "18:06:40.529   pjsua_app.c  Args: --id sip:alice@lab.test --username alice "
        "--password Planted-Pa55word!\n"
        '18:06:40.529   app_prefs.c  settings {"sipPassword": "Planted-JSON-Secret", '
        '"obfuscationKey": "Planted-Obf-Key-123"}\n'
        "18:06:40.529   pjsua_acc.c  Contact <sip:alice:Planted-Uri-Pw@lab.test> from 198.51.100.23\n"
    )
    assert all(d in text for d in PLANTED_DIGESTS)
    return (extra + text).encode("utf-8")
