"""Transactions rebuilt from messages: responses, finals, retransmissions, registration state."""

from __future__ import annotations

from calltriage.clientlog.formats import get_format
from calltriage.clientlog.model import SipMessage
from calltriage.clientlog.transactions import Facts, facts_of, rebuild
from tests.clientlog.helpers import read


def transactions_of(name: str):  # type: ignore[no-untyped-def]
    text = read(name).replace("\r\n", "\n")
    fmt = get_format("sip-trace" if name.startswith("siptrace") else "pjsip")
    return rebuild(fmt.parse(text))


def test_a_good_call_is_register_challenge_invite_challenge_invite_bye() -> None:
    ts = transactions_of("pjsip_call_ok.log")
    assert [(t.method, t.final) for t in ts] == [
        ("REGISTER", 401), ("REGISTER", 200), ("INVITE", 407), ("INVITE", 200), ("BYE", 200),
        ("REGISTER", 401), ("REGISTER", 200)]
    invite = ts[3]
    assert [code for code, _ in invite.responses] == [100, 180, 200]
    assert invite.registered and invite.direction == "TX"
    assert not any(t.auth_rejected for t in ts)


def test_a_wrong_password_is_a_challenge_right_after_credentials() -> None:
    ts = transactions_of("pjsip_wrong_password.log")
    assert [t.auth_rejected for t in ts] == [False, True] * 4
    facts = Facts()
    facts_of(ts, facts)
    assert facts.count("auth_rejected") == 4 and facts.count("register_ok") == 0


def test_a_call_to_a_stale_contact_times_out_while_registered() -> None:
    facts = Facts()
    facts_of(transactions_of("pjsip_callee_stale.log"), facts)
    assert facts.count("invite_timeout_registered") == 1


def test_a_retransmitted_request_is_not_a_new_transaction() -> None:
    msgs = [SipMessage(0, "TX", "OPTIONS", 0, 7, "c1"), SipMessage(10, "TX", "OPTIONS", 0, 7, "c1"),
            SipMessage(20, "RX", "OPTIONS", 200, 7, "c1")]
    (t,) = rebuild(msgs)
    assert t.retransmissions == 1 and t.final == 200 and t.final_offset == 20


def test_a_response_whose_request_is_cut_off_still_counts() -> None:
    (t,) = rebuild([SipMessage(5, "RX", "INVITE", 480, 3, "c2")])
    assert t.request_offset == -1 and t.final == 480 and t.offset == 5


def test_an_unanswered_request_is_a_fact() -> None:
    ts = transactions_of("pjsip_tls_expired.log")
    facts = Facts()
    facts_of(ts, facts)
    assert ts[0].final == 0 and facts.count("request_unanswered") == 1


def test_acks_are_not_transactions() -> None:
    msgs = [SipMessage(0, "TX", "INVITE", 0, 1, "c"), SipMessage(1, "RX", "INVITE", 486, 1, "c"),
            SipMessage(2, "TX", "ACK", 0, 1, "c")]
    assert [t.method for t in rebuild(msgs)] == ["INVITE"]
