"""Property: a secret planted in random Unicode text reaches nothing an operator can read.

Hypothesis writes a client log of random Unicode lines (Turkish dotted capitals and other
characters whose case mapping changes the length are drawn often), plants known secrets in it
in every format of the corpus with the key or scheme in any case, attaches it to an incident
and then looks for the secret words in the stored attachment, the analysis, the timeline and
every dossier format (Markdown, JSON, HTML; pseudonymised or not).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from calltriage.services.attachments import analyze_attachments, attach_log
from calltriage.services.context import App
from calltriage.services.dossier import FORMATS, dossier_text
from calltriage.store.models import Attachment, Event
from tests.records.cast import ANA, make_app, open_incident

_CASE_CHANGERS = "İıŞşĞğIiẞßǅǄﬃΩΣςKÅΐŉﬆ"
_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(_CASE_CHANGERS),
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"),
    ),
    max_size=300,
)
# Secret words: long enough not to occur by chance, from the characters passwords are made of.
_word = st.text(alphabet=string.ascii_letters + string.digits + "!#$%+-_.~", min_size=10, max_size=20)
_case = st.sampled_from([str.lower, str.upper, str.title, str.swapcase, lambda s: s])

# (key or scheme part that takes any case, value part with {0}, {1}: the secret words)
TEMPLATES = [
    ("password=", "{0}"),
    ('{"sipPassword": ', '"{0}"}}'),
    ("<string name=\"sip_password\">", "{0}</string>"),
    ("<password>", "{0}</password>"),
    ("passphrase = ", "{0} {1}"),
    ("sip.account.password: ", "{0}"),
    ("Authorization: Basic ", "{0}"),
    ("Proxy-Authorization: Digest username=\"alice\", response=", "\"{2}\""),
    ("Cookie: sid=", "{0}; theme=dark"),
    ("Set-Cookie: session=", "{0}; Path=/"),
    ("<sip:alice:", "{0}@lab.test>"),
    ("sips:alice:", "{0}@lab.test"),
    ("http://alice:", "{0}@prov.lab.test/cfg"),
    ("--password ", "\"{0} {1}\""),
]


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


@settings(max_examples=25, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(chunks=st.lists(_text, min_size=2, max_size=6), words=st.tuples(_word, _word),
       digest=st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
       picks=st.lists(st.tuples(st.sampled_from(TEMPLATES), _case), min_size=1, max_size=4))
def test_no_planted_secret_reaches_storage_analysis_timeline_or_any_dossier(
        app: App, chunks: list[str], words: tuple[str, str], digest: str,
        picks: list[tuple[tuple[str, str], object]]) -> None:
    values = (*words, digest)
    lines = [case(key) + value.format(*values) for (key, value), case in picks]  # type: ignore[operator]
    secrets = [v for i, v in enumerate(values) if any(f"{{{i}}}" in value for (_, value), _ in picks)]
    assume(not any(s in chunk or s.lower() in chunk.lower() for s in secrets for chunk in chunks))
    parts: list[str] = []
    for i, chunk in enumerate(chunks):
        parts.append(chunk)
        if i < len(lines):
            parts.append(lines[i])
    parts += lines[len(chunks):]
    text = "\n".join(parts) + "\n"
    incident = open_incident(app)
    attach_log(app, incident, "app.log", text.encode("utf-8"), ANA)
    for readable in _readable(app, incident):
        for secret in secrets:
            assert secret not in readable, (secret, lines)
