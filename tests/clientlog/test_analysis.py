"""analyze(): real PJSIP logs under faults give the right top cause, with the lines behind it."""

from __future__ import annotations

import json

import pytest

from calltriage.clientlog import analyze, prepare_upload
from tests.clientlog.helpers import FIXTURE_PASSWORDS, digest_responses, leaked, raw, read


def stored(name: str) -> str:
    return prepare_upload(name, raw(name), max_bytes=10_000_000).text


@pytest.mark.parametrize(
    ("name", "top"),
    [
        ("pjsip_wrong_password.log", "wrong-credentials"),
        ("pjsip_tls_expired.log", "tls-certificate"),
        ("pjsip_unregistered_callee.log", "callee-offline"),
        ("pjsip_callee_stale.log", "callee-unreachable"),
        ("pjsip_account_disabled.log", "account-forbidden"),
        ("pjsip_server_down.log", "server-unreachable"),
        ("siptrace_sipp_wrong_password.txt", "wrong-credentials"),
        ("synthetic_android_crashes.log", "repeated-crash"),
    ],
)
def test_it_ranks_the_cause_of_each_fault_first(name: str, top: str) -> None:
    result = analyze(stored(name))
    assert result.top is not None
    assert result.top.signature.id == top
    assert result.top.evidence


def test_a_healthy_log_has_no_finding() -> None:
    result = analyze(stored("pjsip_call_ok.log"))
    assert result.findings == []
    assert result.summary() == "18 SIP messages, 7 transactions, no known failure pattern"


def test_evidence_gives_the_real_line_number_and_text() -> None:
    text = stored("pjsip_wrong_password.log")
    lines = text.split("\n")
    for finding in analyze(text).findings:
        for ev in finding.evidence:
            assert lines[ev.line - 1] == ev.text


def test_a_wrong_password_loop_also_shows_as_a_registration_loop_below_it() -> None:
    ids = [f.signature.id for f in analyze(stored("pjsip_wrong_password.log")).findings]
    assert ids[:2] == ["wrong-credentials", "registration-loop"]


def test_to_dict_is_json_and_carries_transactions_and_findings() -> None:
    d = analyze(stored("pjsip_callee_stale.log")).to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["schema"] == 1 and d["format"] == "pjsip" and d["top_cause"] == "callee-unreachable"
    assert d["transactions"]["by_method"]["INVITE"]["finals"] == {"407": 1, "408": 1}
    (row,) = d["transactions"]["notable"]
    assert row["final"] == 408 and row["reason"] == "Request Timeout" and row["registered"]
    assert 4900 < row["duration_ms"] < 5100  # Kamailio's fr_timer is 5 s in the lab
    finding = d["findings"][0]
    assert set(finding) == {"id", "title", "cause", "supports", "advice", "score", "count", "evidence"}
    assert finding["supports"] == "remote-party"


def test_nothing_secret_reaches_the_analysis_output() -> None:
    for name in ("pjsip_call_ok.log", "pjsip_wrong_password.log", "app_settings_dump.log"):
        secrets = digest_responses(read(name)) | set(FIXTURE_PASSWORDS)
        out = json.dumps(analyze(stored(name)).to_dict())
        assert leaked(out, secrets) == [], name


@pytest.mark.parametrize(
    "text",
    ["", "\n\n\n", "just some words\n", "SIP/2.0 200 OK\n", "\ufffd\ufffd binary-ish \x7f text " * 50,
     "TX 12 bytes Request msg REGISTER/cseq=", "--end msg--\n" * 10],
)
def test_malformed_text_gives_an_empty_analysis_not_an_error(text: str) -> None:
    result = analyze(text)
    assert result.findings == []
    json.dumps(result.to_dict())


def test_a_log_cut_in_the_middle_of_the_failing_response_still_finds_what_it_can() -> None:
    text = stored("pjsip_callee_stale.log")
    cut = text[: text.index("Response msg 408/INVITE") - 20]
    result = analyze(cut)
    # The 408 is gone: the INVITE stays unanswered while registered, which still points at the callee.
    assert result.top is not None and result.top.signature.id == "callee-unreachable"


def test_crlf_text_is_analysed_like_normalised_text() -> None:
    text = read("pjsip_tls_expired.log")
    assert "\r\n" in text
    assert analyze(text).to_dict()["findings"] == analyze(text.replace("\r\n", "\n")).to_dict()["findings"]


def test_a_format_can_be_forced() -> None:
    assert analyze(stored("pjsip_call_ok.log"), format="sip-trace").format == "sip-trace"
