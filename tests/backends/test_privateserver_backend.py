"""Backend ``privateserver`` against the real PrivateServer lab: MariaDB views read by the
read-only user, NRPE asked with Debian's check_nrpe, the HTTPS console. Whatever calltriage
cannot read (grant, column, view, port, NRPE) is "cannot tell" / ``unknown``, never a finding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from calltriage.backends.port import CallAttempts, CannotTell, DirectoryEntry, RegistrationEvents, Registrations
from calltriage.config import ServerSettings
from tests.backends.contract import ask, backend_for
from tests.lab_fixtures import require_pjsua2
from tests.probes.conftest import settings_for
from tests.probes.helpers import call, register

pytestmark = pytest.mark.lab


def settings(lab: Any, **privateserver: Any) -> ServerSettings:
    s = settings_for(lab)
    if privateserver:
        s.server.privateserver = s.server.privateserver.model_copy(update=privateserver)
    return s


def since() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


def test_a_refused_register_says_why_and_a_disabled_account_is_disabled_with_its_change(ps_lab: Any) -> None:
    require_pjsua2()
    t0 = since()
    assert register(ps_lab, "bob", "tls", password="not-his").code == 401
    assert register(ps_lab, "dave", "tls").code == 403
    backend = backend_for(settings(ps_lab))
    bob = ask(backend, lambda b: b.registration_events("bob", t0))
    assert isinstance(bob, RegistrationEvents)
    assert [(e.kind, e.code, e.cause) for e in bob.events if e.kind == "refused"] == [("refused", 401, "bad-password")]
    dave = ask(backend, lambda b: b.registration_events("dave", t0))
    assert isinstance(dave, RegistrationEvents) and dave.events[-1].cause == "disabled"
    entry = ask(backend, lambda b: b.directory("dave"))
    assert isinstance(entry, DirectoryEntry) and entry.exists and entry.disabled is True
    assert entry.numbers == ("+15550004",) and entry.app is not None and entry.app.transport == "tls"
    assert any("account created" in note for note in entry.notes)


def test_a_call_refused_at_authentication_failed_on_the_callers_side(ps_lab: Any) -> None:
    require_pjsua2()
    t0 = since()
    assert call(ps_lab, "carol", "+15550002", password="not-hers").code == 407
    found = ask(backend_for(settings(ps_lab)), lambda b: b.call_attempts("carol", t0))
    assert isinstance(found, CallAttempts)
    assert [(a.code, a.failed_side, a.cause) for a in found.attempts] == [(407, "caller", "bad-password")]


def test_an_unregistered_account_is_no_longer_registered(ps_lab: Any) -> None:
    require_pjsua2()
    assert register(ps_lab, "carol", "tls").code == 200
    backend = backend_for(settings(ps_lab))
    reg = ask(backend, lambda b: b.registrations("carol"))
    assert isinstance(reg, Registrations) and reg.registered and reg.contacts[0].transport == "tls"
    assert reg.contacts[0].expires is not None and 0 < reg.contacts[0].expires <= 60
    ps_lab.drop_registration("carol")
    reg = ask(backend, lambda b: b.registrations("carol"))
    assert isinstance(reg, Registrations) and reg.state == "no-contacts"


def test_a_column_the_appliance_lacks_or_a_view_without_grant_is_cannot_tell(ps_lab: Any) -> None:
    wrong_column = backend_for(settings(ps_lab, columns={"sip_session.useragent": "user_agent_x"}))
    answer = ask(wrong_column, lambda b: b.registrations("alice"))
    assert isinstance(answer, CannotTell) and "user_agent_x" in answer.reason
    no_grant = backend_for(settings(ps_lab, accounts_query="SELECT username, alias_username AS number FROM dbaliases"))
    answer = ask(no_grant, lambda b: b.directory("alice"))
    assert isinstance(answer, CannotTell) and "read-only grant" in answer.reason
    no_view = backend_for(settings(ps_lab, views={"cdr": "V_CALLS"}))
    calls = ask(no_view, lambda b: b.call_attempts("alice", since()))
    assert isinstance(calls, CallAttempts) and "cdr" in calls.unavailable  # V_AUTH_EVENT still read


def test_without_an_accounts_query_the_directory_is_a_question_it_cannot_answer(ps_lab: Any) -> None:
    backend = backend_for(settings(ps_lab, accounts_query=None))
    caps = backend.capabilities()
    assert caps["directory"].level == "no" and "accounts_query" in caps["directory"].note
    assert caps["registrations"].level == "partial"
    assert isinstance(ask(backend, lambda b: b.directory("alice")), CannotTell)
    assert isinstance(ask(backend, lambda b: b.number_routes("+15550001")), CannotTell)


def test_nrpe_parts_are_findings_and_an_unreachable_nrpe_is_unknown(ps_lab: Any) -> None:
    parts = {p.name: p for p in ask(backend_for(settings(ps_lab)), lambda b: b.services(5.0))}
    assert {parts[f"nrpe:{c}"].status for c in ("check_voip_engine", "check_database", "check_console")} == {"ok"}
    assert parts["console"].status == "ok"
    ps_lab.break_database()
    try:
        parts = {p.name: p for p in ask(backend_for(settings(ps_lab)), lambda b: b.services(5.0))}
    finally:
        ps_lab.restore_database()
    assert parts["nrpe:check_database"].status == "fail"
    closed = backend_for(settings(ps_lab, nrpe_port=1, nrpe_commands=["check_voip_engine"]))
    assert [p.status for p in ask(closed, lambda b: b.services(3.0)) if p.name.startswith("nrpe:")] == ["unknown"]
    unknown = backend_for(settings(ps_lab, nrpe_commands=["check_nothing"]))
    assert [p.status for p in ask(unknown, lambda b: b.services(3.0)) if p.name.startswith("nrpe:")] == ["unknown"]
    missing = backend_for(settings(ps_lab, check_nrpe=Path("/nonexistent/check_nrpe")))
    statuses = {p.status for p in ask(missing, lambda b: b.services(3.0)) if p.name.startswith("nrpe:")}
    assert statuses == {"unknown"}


def test_a_stopped_engine_makes_now_questions_cannot_tell_while_records_still_answer(ps_lab: Any) -> None:
    backend = backend_for(settings(ps_lab))
    ps_lab.stop()
    try:
        reg = ask(backend, lambda b: b.registrations("alice"))
        control = ask(backend, lambda b: b.control_plane(3.0))
        calls = ask(backend, lambda b: b.call_attempts("alice", since()))
        parts = {p.name: p for p in ask(backend, lambda b: b.services(5.0))}
    finally:
        ps_lab.start()
    assert isinstance(reg, CannotTell) and "SIP engine down" in reg.reason
    assert not isinstance(control, CannotTell) and not control.reachable and "voip_engine" in control.detail
    assert isinstance(calls, CallAttempts)
    assert parts["nrpe:check_voip_engine"].status == "fail"


def test_an_unreachable_database_is_cannot_tell_for_every_record_question(ps_lab: Any) -> None:
    s = settings(ps_lab)
    s.server.accounts_db_url = s.server.accounts_db_url.replace(":3306/", ":1/")  # type: ignore[union-attr]
    backend = backend_for(s)
    for answer in (ask(backend, lambda b: b.registrations("alice")),
                   ask(backend, lambda b: b.registration_events("alice", since())),
                   ask(backend, lambda b: b.call_attempts("alice", since())),
                   ask(backend, lambda b: b.directory("alice")),
                   ask(backend, lambda b: b.number_routes("+15550001"))):
        assert isinstance(answer, CannotTell) and "Traceback" not in answer.reason


def test_the_views_are_a_service_part_a_wrong_password_or_mapping_is_unknown_never_a_finding(ps_lab: Any) -> None:
    from pydantic import SecretStr

    parts = {p.name: p for p in ask(backend_for(settings(ps_lab)), lambda b: b.services(5.0))}
    assert parts["views"].status == "ok" and "V_SIP_SESSION" in parts["views"].detail
    assert "accounts query" in parts["views"].detail
    s = settings(ps_lab)
    s.server.accounts_db_password = SecretStr("qa-not-the-Password-42")
    parts = {p.name: p for p in ask(backend_for(s), lambda b: b.services(5.0))}
    assert parts["views"].status == "unknown" and "accounts_db_password_file" in parts["views"].detail
    assert "qa-not-the-Password-42" not in str(parts["views"].to_dict())
    wrong_column = backend_for(settings(ps_lab, columns={"cdr.disposition": "state_x"}))
    parts = {p.name: p for p in ask(wrong_column, lambda b: b.services(5.0))}
    assert parts["views"].status == "unknown" and "state_x" in parts["views"].detail
