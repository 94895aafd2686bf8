"""Property: a secret planted in random Unicode text reaches nothing an operator can read.

Hypothesis writes a client log of random Unicode lines (Turkish dotted capitals and other
characters whose case mapping changes the length are drawn often), plants known secrets in it
in every format of the corpus with the key or scheme in any case, attaches it to an incident
and then looks for the secret words in the stored attachment, the analysis, the timeline and
every dossier format (Markdown, JSON, HTML; pseudonymised or not).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from calltriage.services.attachments import analyze_attachments, attach_log
from calltriage.services.context import App
from calltriage.services.dossier import FORMATS, dossier_text
from calltriage.store.models import Attachment, Event
from tests.clientlog.planted import Pick, digest_hex, occurs_by_chance, picks, plant, random_text, secret_word
from tests.records.cast import ANA, make_app, open_incident


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    app = make_app(db_url)
    yield app
    app.close()


def _readable(app: App, incident: int) -> list[str]:
    with app.store.read() as session:
        stored = [a.content for a in session.scalars(select(Attachment).where(Attachment.incident_id == incident))]
        events = [json.dumps(e.data) + (e.note or "")
                  for e in session.scalars(select(Event).where(Event.incident_id == incident))]
    analysis = [json.dumps(analyze_attachments(app.store, incident))]
    dossiers = [dossier_text(app, incident, fmt, pseudonymise=p) for fmt in FORMATS for p in (False, True)]
    return stored + events + analysis + dossiers


# No shrinking: each example goes through the database and every dossier, and shrinking took
# minutes; the failure message shows the planted lines.
@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(chunks=st.lists(random_text, min_size=2, max_size=6), words=st.tuples(secret_word, secret_word),
       digest=digest_hex, chosen=picks)
def test_no_planted_secret_reaches_storage_analysis_timeline_or_any_dossier(
        app: App, chunks: list[str], words: tuple[str, str], digest: str,
        chosen: list[Pick]) -> None:
    text, secrets = plant(chunks, words, digest, chosen)
    assume(not occurs_by_chance(secrets, chunks))
    incident = open_incident(app)
    attach_log(app, incident, "app.log", text.encode("utf-8"), ANA)
    for readable in _readable(app, incident):
        for secret in secrets:
            assert secret not in readable, (secret, text[-500:])
