"""Probe results for people (web/desk/evidence.py): pure rendering, no server."""

from __future__ import annotations

from calltriage.web.desk.evidence import readable, sip_meaning, value_text


def test_a_failing_finding_and_a_probe_that_could_not_tell_read_differently() -> None:
    fail = readable({"probe": "registrar.registration", "status": "fail", "summary": "alice is not registered",
                     "evidence": {"contacts": 0}})
    error = readable({"probe": "registrar.registration", "status": "error", "summary": "timeout", "evidence": {}})
    assert (fail["tone"], fail["verdict"]) == ("bad", "Problem found")
    assert (error["tone"], error["verdict"]) == ("unknown", "The probe could not tell")


def test_facts_tables_sip_codes_times_and_log_causes_are_readable() -> None:
    result = readable({"probe": "calls.test_call", "status": "fail", "summary": "the call was refused",
                       "evidence": {"final": 486, "registered": True, "at": "2026-11-30T09:12:00Z",
                                    "attempts": [{"code": 403, "to": "bob"}],
                                    "findings": [{"title": "Wrong password", "cause": "the app's password is stale",
                                                  "evidence": [{"line": 12, "text": "401 Unauthorized"}]}]}})
    facts = dict(result["facts"])
    assert facts["Final"] == "486 Busy here" and facts["Registered"] == "yes"
    assert "(2026-11-30 09:12:00 UTC)" in facts["At"] and "ago" in facts["At"]
    assert result["tables"][0]["rows"] == [["403 Forbidden (refused)", "bob"]]
    assert result["causes"][0]["lines"] == ["12: 401 Unauthorized"]
    assert sip_meaning(699) == "699" and value_text("note", None) == "–"
