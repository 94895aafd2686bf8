"""The desk's rules (services/rules.py) on the seed playbook: pure functions, no database."""

from __future__ import annotations

import pytest

from calltriage.engine import advance, start
from calltriage.engine.loader import load_playbook
from calltriage.errors import Forbidden, InvalidAnswer
from calltriage.services.rules import (
    check_close,
    check_escalation,
    check_override,
    check_reopen,
    close_choices,
    consequence,
    escalation_choices,
    step_title,
)
from tests.cli.test_commands import ROOT

SPEC = load_playbook(ROOT / "playbooks" / "user-cant-call-professional.yaml")


def _at(*outcomes: str):  # type: ignore[no-untyped-def]
    run = start(SPEC)
    for outcome in outcomes:
        run, _ = advance(SPEC, run, outcome)
    return run


def test_closing_allows_only_the_closes_the_current_step_leads_to() -> None:
    run = _at("met", "none", "connected", "ok", "failed")  # at l1.client_config
    allowed = [c.resolution for c in close_choices(SPEC, run) if c.allowed]
    assert allowed == ["client-misconfiguration"]
    check_close(SPEC, run, "close.client_misconfiguration", anyway=False, reason="")
    with pytest.raises(InvalidAnswer, match="close anyway"):
        check_close(SPEC, run, "close.client_bug", anyway=False, reason="")
    with pytest.raises(InvalidAnswer, match="needs a reason"):
        check_close(SPEC, run, "close.client_bug", anyway=True, reason="  ")
    check_close(SPEC, run, "close.client_bug", anyway=True, reason="known crash of 5.2")


def test_escalation_goes_to_the_next_level_only_and_needs_a_note() -> None:
    run = _at("met", "none")
    assert set(escalation_choices(SPEC, run)) == {"remote-party-check", "server-status-check"}
    with pytest.raises(InvalidAnswer, match="next level only"):
        check_escalation(SPEC, run, "suspected-client-bug", "a note")
    with pytest.raises(InvalidAnswer, match="needs a note"):
        check_escalation(SPEC, run, "server-status-check", " ")
    check_escalation(SPEC, run, "server-status-check", "settings are right")


def test_overrides_stay_with_the_owning_level_and_closed_incidents_must_be_reopened() -> None:
    at_l2 = _at("met", "none", "connected", "ok", "succeeded", "no", "yes")
    with pytest.raises(Forbidden, match="owned by level 2"):
        check_override(1, "ana", at_l2, 1)
    check_override(2, "ben", at_l2, 1)
    check_override(None, "admin", at_l2, 1)
    closed = _at("violated")
    with pytest.raises(InvalidAnswer, match="reopen it"):
        check_override(1, "ana", closed, 1)
    with pytest.raises(Forbidden, match="closed at level 3"):
        check_reopen(1, "ana", 3)
    check_reopen(3, "cy", 3)


def test_answers_that_end_or_move_the_incident_are_named_for_a_confirmation() -> None:
    assert consequence(SPEC, "intake.operational_requirements", "violated") == \
        "This closes the incident as operational-requirements-violation."
    assert "hands the incident off to user-offline" in str(consequence(SPEC, "intake.client_error_message",
                                                                       "user-offline"))
    assert consequence(SPEC, "l1.other_party_registered", "yes") == \
        "This escalates the incident to level 2 (remote-party-check)."
    assert consequence(SPEC, "intake.operational_requirements", "met") is None
    assert step_title(SPEC.node("l1.call_other_party")) == "Can the user call the other party now?"
