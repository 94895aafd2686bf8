"""Format detection and parsing: PJSIP logs, plain SIP traces, and a pluggable registry."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from calltriage.clientlog.formats import LogFormat, detect_format, formats, get_format, register_format
from calltriage.clientlog.formats import base as formats_base
from calltriage.clientlog.model import SipMessage
from tests.clientlog.helpers import read

NGREP = """\
U 2026/11/25 18:04:56.658123 10.0.0.5:5060 -> 203.0.113.10:5060
INVITE sip:+15550002@lab.test SIP/2.0
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds
From: <sip:alice@lab.test>;tag=1928301774
To: <sip:+15550002@lab.test>
Call-ID: a84b4c76e66710@10.0.0.5
CSeq: 314159 INVITE
Content-Length: 0

U 2026/11/25 18:04:56.700456 203.0.113.10:5060 -> 10.0.0.5:5060
SIP/2.0 100 Trying
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds
Call-ID: a84b4c76e66710@10.0.0.5
CSeq: 314159 INVITE

U 2026/11/25 18:05:01.702000 203.0.113.10:5060 -> 10.0.0.5:5060
SIP/2.0 408 Request Timeout
Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK776asdhds
Call-ID: a84b4c76e66710@10.0.0.5
CSeq: 314159 INVITE
"""


def normalised(name: str) -> str:
    return read(name).replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pjsip_call_ok.log", "pjsip"),
        ("pjsip_tls_expired.log", "pjsip"),
        ("pjsip_unregistered_callee.log", "pjsip"),  # with dates in the time stamps
        ("siptrace_sipp_wrong_password.txt", "sip-trace"),
    ],
)
def test_it_detects_the_format_of_real_logs(name: str, expected: str) -> None:
    fmt, scores = detect_format(normalised(name))
    assert fmt is not None and fmt.name == expected
    assert scores[expected] == max(scores.values())


def test_it_detects_an_ngrep_trace_as_a_sip_trace() -> None:
    fmt, _ = detect_format(NGREP)
    assert fmt is not None and fmt.name == "sip-trace"


@pytest.mark.parametrize("text", ["", "hello world\n", "\x00\x01garbage" * 100, "SIP/2.0 is a protocol\n"])
def test_it_finds_no_format_in_text_that_is_not_a_sip_log(text: str) -> None:
    assert detect_format(text)[0] is None


def test_the_pjsip_parser_reads_direction_method_code_and_cseq_from_the_markers() -> None:
    text = normalised("pjsip_call_ok.log")
    messages = list(get_format("pjsip").parse(text))
    assert [(m.direction, m.method, m.code) for m in messages[:4]] == [
        ("TX", "REGISTER", 0), ("RX", "REGISTER", 401), ("TX", "REGISTER", 0), ("RX", "REGISTER", 200)]
    first = messages[0]
    assert text[first.offset : first.offset + 2] == "TX"
    info = get_format("pjsip").describe(text, first.offset)
    assert info.start_line.startswith("REGISTER sip:127.0.0.1:")
    assert info.transport == "UDP" and info.call_id


def test_the_pjsip_parser_reads_time_stamps_with_and_without_dates() -> None:
    fmt = get_format("pjsip")
    plain = normalised("pjsip_call_ok.log")
    dated = normalised("pjsip_unregistered_callee.log")
    t_plain = fmt.time_at(plain, 0)
    t_dated = fmt.time_at(dated, 0)
    assert t_plain is not None and t_plain < 86400
    assert t_dated is not None and t_dated > 86400 * 700_000


def test_the_sip_trace_parser_reads_sipp_message_logs() -> None:
    text = normalised("siptrace_sipp_wrong_password.txt")
    fmt = get_format("sip-trace")
    messages = list(fmt.parse(text))
    assert messages[0][1:] == ("TX", "REGISTER", 0, 1, "1-9239@127.0.0.1")
    assert messages[1][1:] == ("RX", "REGISTER", 401, 1, "1-9239@127.0.0.1")
    day = 739945 * 86400  # 2026-11-25 as a proleptic Gregorian ordinal, in seconds
    assert fmt.time_at(text, messages[1].offset) == pytest.approx(day + 18 * 3600 + 7 * 60 + 10.916355)
    assert fmt.describe(text, messages[1].offset).reason == "Unauthorized"


def test_the_sip_trace_parser_takes_direction_from_ngrep_arrows() -> None:
    fmt = get_format("sip-trace")
    messages = list(fmt.parse(NGREP))
    assert [(m.direction, m.code) for m in messages] == [("TX", 0), ("RX", 100), ("RX", 408)]
    assert fmt.describe(NGREP, messages[2].offset).peer == "203.0.113.10:5060"
    t0, t1 = fmt.time_at(NGREP, messages[0].offset), fmt.time_at(NGREP, messages[2].offset)
    assert t0 is not None and t1 is not None and t1 - t0 == pytest.approx(5.04, abs=0.01)


def test_a_message_cut_off_before_its_cseq_is_skipped() -> None:
    cut = NGREP[: NGREP.index("CSeq: 314159 INVITE\nContent-Length")]
    assert list(get_format("sip-trace").parse(cut)) == []


def test_the_pjsip_parser_survives_a_log_cut_inside_a_marker() -> None:
    text = normalised("pjsip_call_ok.log")
    cut = text[: text.index("bytes Response msg 200/INVITE") + 12]
    messages = list(get_format("pjsip").parse(cut))
    assert messages and all(m.code != 200 or m.method != "INVITE" for m in messages)


def test_a_new_format_can_be_registered_and_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats_base, "_REGISTRY", dict(formats_base._REGISTRY))

    @register_format
    class OneLine(LogFormat):
        name = "one-line"
        title = "test format: 'SIPMSG <dir> <method> <code> <cseq> <call-id>' lines"

        def detect(self, sample: str) -> float:
            return 1.0 if sample.startswith("SIPMSG ") else 0.0

        def parse(self, text: str) -> Iterator[SipMessage]:
            offset = 0
            for line in text.splitlines(keepends=True):
                _, d, method, code, cseq, cid = line.split()
                yield SipMessage(offset, d, method, int(code), int(cseq), cid)
                offset += len(line)

    assert "one-line" in formats()
    fmt, _ = detect_format("SIPMSG TX REGISTER 0 1 abc\nSIPMSG RX REGISTER 403 1 abc\n")
    assert fmt is not None and fmt.name == "one-line"


def test_registering_two_formats_under_one_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats_base, "_REGISTRY", dict(formats_base._REGISTRY))
    with pytest.raises(ValueError, match="already registered"):

        @register_format
        class Impostor(LogFormat):
            name = "pjsip"


def test_asking_for_an_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: pjsip, sip-trace"):
        get_format("logcat")
