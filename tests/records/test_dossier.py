"""The escalation dossier in Markdown, JSON and HTML: content, pseudonymisation, no secrets."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.errors import InvalidAnswer, NotFound
from calltriage.services.attachments import analyze_attachments, attach_log, list_attachments
from calltriage.services.context import App
from calltriage.services.dossier import FORMATS, build_dossier, dossier_text, render_dossier
from calltriage.services.incidents import Actor
from tests.records.cast import (
    ANA,
    BEN,
    CY,
    PLANTED_DIGESTS,
    PLANTED_PASSWORDS,
    make_app,
    open_incident,
    planted_log,
    registration_result,
)

ADMIN = Actor("root")
# Everything that identifies a person or a machine in the escalated incident below.
IDENTIFIERS = ("alice", "bob", "+15550002", "15550002", "192.0.2.10", "198.51.100.7", "203.0.113.5",
               "198.51.100.23", "127.0.0.1")


@pytest.fixture
def escalated(db_url: str) -> Iterator[tuple[App, int]]:
    """alice can't call bob (+15550002): probes, an override, two escalations, a note and a log."""
    app = make_app(db_url)
    incident = open_incident(app, "alice", "+15550002",
                             summary="alice can't reach bob on +15550002 from 203.0.113.5")
    version = ProbeResult("client.version", ProbeStatus.OK,
                          "client 'PrivateGSM 3.1.0' meets the minimum 3.0.0",
                          {"account": "alice", "user_agents": ["PrivateGSM 3.1.0"], "minimum": "3.0.0"})
    app.incidents.record_probe(incident, "intake.operational_requirements", version, actor=ANA)
    app.incidents.answer(incident, "none", actor=ANA)
    app.incidents.record_probe(incident, "l1.connection_status", registration_result("alice", "192.0.2.10"),
                               actor=ANA)
    app.incidents.answer(incident, "ok", actor=ANA)
    app.incidents.answer(incident, "failed", actor=ANA)
    app.incidents.override(incident, "l1.test_call", "succeeded", actor=ADMIN,
                           reason="alice retried and the test call went through")
    app.incidents.answer(incident, "no", actor=ANA)
    callee = ProbeResult("sip.callee_liveness", ProbeStatus.OK,
                         "bob (+15550002) answers OPTIONS at 198.51.100.7",
                         {"account": "bob", "typed": "+15550002", "contact": "sip:bob@198.51.100.7:5060;ob",
                          "rtt_ms": 12.5}, 0.2)
    app.incidents.record_probe(incident, "l1.other_party_registered", callee, actor=ANA)
    app.incidents.answer(incident, "no-conflict", actor=BEN)
    attach_log(app, incident, "alice-app.log", planted_log(), BEN)
    app.incidents.add_note(incident, "bob has one device; alice's app at 203.0.113.5 loops on 401", actor=BEN)
    app.incidents.answer(incident, "collected", actor=BEN)
    yield app, incident
    app.close()


def test_the_dossier_has_the_path_every_step_with_probe_evidence_and_the_log_findings(
        escalated: tuple[App, int]) -> None:
    app, incident = escalated
    d = build_dossier(app, incident)
    assert d["incident"]["level"] == 3 and d["incident"]["current"] == "l3.client_bug"
    assert d["parties"] == {"caller": "alice", "callee": "+15550002"}
    assert [p["node"] for p in d["path"]][-3:] == ["l2.client_logs", "escalate.suspected_client_bug",
                                                   "l3.client_bug"]
    probed = [s for s in d["steps"] if s["decided_by"] == "probe"]
    assert [s["node"] for s in probed] == ["intake.operational_requirements", "l1.connection_status",
                                           "l1.other_party_registered"]
    assert probed[1]["result"]["evidence"]["contacts"][0]["source"] == "tls:192.0.2.10:5061"
    first = d["overrides"][0]
    assert d["overrides"] == [{"seq": first["seq"], "at": first["at"], "actor": "root",
                               "node": "l1.test_call", "previous": "failed", "outcome": "succeeded",
                               "reason": "alice retried and the test call went through"}]
    assert [(e["from_level"], e["to_level"], e["request"]) for e in d["escalations"]] == [
        (1, 2, "remote-party-check"), (2, 3, "suspected-client-bug")]
    assert [n["text"] for n in d["notes"]] == ["bob has one device; alice's app at 203.0.113.5 loops on 401"]
    assert [a["filename"] for a in d["attachments"]] == ["alice-app.log"]
    assert d["log_findings"]["analysis"]["findings"][0]["id"] == "wrong-credentials"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_markdown_and_html_show_the_same_sections(escalated: tuple[App, int], fmt: str) -> None:
    app, incident = escalated
    text = dossier_text(app, incident, fmt)
    log = analyze_attachments(app.store, incident)
    assert log is not None
    top = log["analysis"]["findings"][0]
    line_tail = top["evidence"][0]["text"].split("  ")[-1].strip()  # HTML escapes nothing in it
    for needle in ("l1.connection_status", "registrar.registration", "tls:192.0.2.10:5061",
                   "alice retried and the test call went through", "remote-party-check",
                   "suspected-client-bug", "alice-app.log", top["title"], line_tail,
                   "bob has one device"):
        assert needle in text, needle


def test_the_html_page_is_printable_and_self_contained(escalated: tuple[App, int]) -> None:
    app, incident = escalated
    html = dossier_text(app, incident, "html")
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in html


def test_text_from_operators_cannot_inject_markup(escalated: tuple[App, int]) -> None:
    app, incident = escalated
    app.incidents.add_note(incident, "<script>alert(1)</script> | pipe", actor=CY)
    assert "<script>alert(1)</script>" not in dossier_text(app, incident, "html")
    assert "<script>" not in dossier_text(app, incident, "md")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_pseudonymised_dossier_names_no_user_number_or_address(escalated: tuple[App, int],
                                                                 fmt: str) -> None:
    app, incident = escalated
    text = dossier_text(app, incident, fmt, pseudonymise=True).lower()
    for ident in IDENTIFIERS:
        assert ident not in text, ident
    assert "user-1" in text and "+xx-0001" in text and "ip-1" in text


def test_pseudonyms_are_consistent_across_the_whole_dossier(escalated: tuple[App, int]) -> None:
    app, incident = escalated
    d = json.loads(dossier_text(app, incident, "json", pseudonymise=True))
    assert d["pseudonymised"] is True
    assert d["parties"] == {"caller": "user-1", "callee": "+XX-0001"}
    steps = {s["node"]: s for s in d["steps"] if s["result"]}
    assert steps["l1.connection_status"]["result"]["evidence"]["account"] == "user-1"
    callee_ev = steps["l1.other_party_registered"]["result"]["evidence"]
    assert callee_ev["typed"] == "+XX-0001" and callee_ev["account"] == "user-2"
    assert callee_ev["contact"].startswith("sip:user-2@ip-")
    assert d["incident"]["summary"].startswith("user-1 can't reach user-2 on +XX-0001 from ip-")
    # Playbook vocabulary stays readable.
    assert steps["l1.connection_status"]["node"] == "l1.connection_status"
    assert d["path"][0]["prompt"].startswith("Does the incident show")


def test_planted_passwords_and_digest_responses_reach_neither_storage_nor_any_dossier(
        escalated: tuple[App, int]) -> None:
    app, incident = escalated
    with app.store.read() as session:
        from sqlalchemy import select

        from calltriage.store.models import Attachment, Event

        stored = [a.content for a in session.scalars(select(Attachment))]
        events = [json.dumps(e.data) + e.note for e in session.scalars(select(Event))]
    outputs = [dossier_text(app, incident, fmt, pseudonymise=p) for fmt in FORMATS for p in (False, True)]
    assert stored and len(outputs) == 6
    for text in stored + events + outputs:
        for secret in PLANTED_PASSWORDS + PLANTED_DIGESTS:
            assert secret not in text
    assert list_attachments(app.store, incident)[0]["meta"]["redactions"]


def test_an_unknown_format_or_incident_is_refused_with_the_fix(escalated: tuple[App, int]) -> None:
    app, incident = escalated
    with pytest.raises(InvalidAnswer, match="md, json, html"):
        dossier_text(app, incident, "pdf")
    with pytest.raises(InvalidAnswer, match="md, json, html"):
        render_dossier({}, "docx")
    with pytest.raises(NotFound):
        dossier_text(app, incident + 100, "md")
