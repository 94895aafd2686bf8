"""Notable lines: each rule classifies its example, which an anchor finds; traces count once."""

from __future__ import annotations

import pytest

from calltriage.clientlog.markers import ANCHORS, RULES, classify, scan_events
from tests.clientlog.helpers import read


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.kind}:{r.detail}")
def test_every_rule_classifies_its_example_and_an_anchor_finds_it(rule) -> None:  # type: ignore[no-untyped-def]
    assert any(anchor in rule.example for anchor in ANCHORS), "no anchor would ever find this line"
    kind, detail = classify(rule.example) or ("", "")
    assert kind == rule.kind
    assert detail == rule.detail or (rule.detail == "status" and (detail == "error" or detail.startswith("status-")))


def test_it_finds_the_certificate_error_of_a_real_pjsip_log() -> None:
    events = scan_events(read("pjsip_tls_expired.log").replace("\r\n", "\n"))
    assert {(e.kind, e.detail) for e in events} >= {("tls-error", "certificate-verification")}
    assert all(e.line.count("\n") == 0 for e in events)


def test_it_finds_the_refused_connection_of_a_real_pjsip_log() -> None:
    kinds = {(e.kind, e.detail) for e in scan_events(read("pjsip_server_down.log").replace("\r\n", "\n"))}
    assert ("transport-error", "connection-refused") in kinds


def test_a_normal_tsx_timeout_timer_is_not_an_error() -> None:
    # PJSIP logs "Timeout timer event" whenever a finished transaction is destroyed.
    text = read("pjsip_call_ok.log").replace("\r\n", "\n")
    assert "Timeout timer event" in text
    assert scan_events(text) == []


def test_one_crash_trace_is_one_event_and_two_crashes_are_two() -> None:
    events = [e for e in scan_events(read("synthetic_android_crashes.log")) if e.kind == "crash"]
    assert [e.detail for e in events] == ["uncaught-exception", "uncaught-exception", "fatal-signal"]


def test_an_app_that_logs_an_error_word_in_passing_is_ignored() -> None:
    assert scan_events("10:00:00.000 app.c  no error, all good\n10:00:01.000 app.c  errors: 0\n") == []
