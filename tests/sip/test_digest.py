"""Digest authentication (RFC 2617 test vector and the Kamailio challenge shape)."""

from __future__ import annotations

import pytest

from calltriage.sip.digest import authorization, digest_response, parse_challenge
from calltriage.sip.errors import SipParseError


def test_it_computes_the_rfc_2617_example_response():
    ch = parse_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    resp = digest_response(
        ch, method="GET", uri="/dir/index.html", username="Mufasa", password="Circle Of Life", cnonce="0a4f113b", nc=1
    )
    assert resp == "6629fae49393a05397450978507c4ef1"


def test_it_answers_a_kamailio_proxy_challenge_with_qop_auth():
    ch = parse_challenge('Digest realm="lab.test", nonce="Y2xr", qop="auth"', proxy=True)
    assert ch.answer_header == "Proxy-Authorization"
    value = authorization(ch, method="INVITE", uri="sip:bob@lab.test", username="alice", password="pw", cnonce="c0ffee")
    assert 'username="alice"' in value and 'realm="lab.test"' in value
    assert "qop=auth" in value and "nc=00000001" in value and 'cnonce="c0ffee"' in value


def test_without_qop_it_uses_the_rfc_2069_form():
    ch = parse_challenge('Digest realm="r", nonce="n"')
    value = authorization(ch, method="REGISTER", uri="sip:lab.test", username="u", password="p")
    assert "qop" not in value and "cnonce" not in value


def test_the_password_never_appears_in_the_header():
    ch = parse_challenge('Digest realm="lab.test", nonce="abc", qop="auth"')
    value = authorization(ch, method="REGISTER", uri="sip:lab.test", username="alice", password="S3cr3t-pw")
    assert "S3cr3t-pw" not in value


def test_it_refuses_a_challenge_it_cannot_answer():
    with pytest.raises(SipParseError):
        parse_challenge('Basic realm="x"')
    with pytest.raises(SipParseError):
        parse_challenge('Digest realm="x"')
