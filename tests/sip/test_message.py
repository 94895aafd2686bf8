"""The SIP parser and builder, on messages as Kamailio and PJSIP write them (no network)."""

from __future__ import annotations

import pytest

from calltriage.sip.errors import SipParseError
from calltriage.sip.message import (
    Request,
    Response,
    StreamFramer,
    canonical,
    parse_message,
    parse_name_addr,
    parse_uri,
    parse_via,
    split_list,
)

KAMAILIO_407 = (
    b"SIP/2.0 407 Proxy Authentication Required\r\n"
    b"Via: SIP/2.0/TLS 127.0.0.1:40001;branch=z9hG4bKabc;rport=40001;received=127.0.0.1\r\n"
    b"From: <sip:alice@lab.test>;tag=1234\r\n"
    b"To: <sip:bob@lab.test>;tag=b27e1a1d33761e85846fc98f5f3a7e58.3a5c\r\n"
    b"Call-ID: c1@calltriage\r\n"
    b"CSeq: 7 INVITE\r\n"
    b'Proxy-Authenticate: Digest realm="lab.test", nonce="Y2xr", qop="auth"\r\n'
    b"Server: calltriage-lab\r\n"
    b"Content-Length: 0\r\n\r\n"
)


def test_it_parses_a_response_status_headers_and_tags():
    msg = parse_message(KAMAILIO_407)
    assert isinstance(msg, Response)
    assert (msg.status, msg.reason) == (407, "Proxy Authentication Required")
    assert msg.cseq == (7, "INVITE")
    assert msg.top_via is not None and msg.top_via.branch == "z9hG4bKabc"
    assert msg.top_via.params["received"] == "127.0.0.1"
    assert parse_name_addr(msg.get("To") or "").tag == "b27e1a1d33761e85846fc98f5f3a7e58.3a5c"
    assert parse_name_addr(msg.get("From") or "").tag == "1234"


def test_it_reads_compact_headers_folded_lines_and_several_vias():
    raw = (
        b"INVITE sip:bob@lab.test SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKproxy, SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKua\r\n"
        b"f: Alice <sip:alice@lab.test>;tag=a\r\n"
        b"t: <sip:bob@lab.test>\r\n"
        b"i: x@y\r\n"
        b"CSeq: 1\r\n INVITE\r\n"
        b"l: 4\r\n\r\nbodyEXTRA"
    )
    msg = parse_message(raw)
    assert isinstance(msg, Request)
    assert (msg.method, msg.uri) == ("INVITE", "sip:bob@lab.test")
    assert [parse_via(v).branch for v in msg.get_all("Via")] == ["z9hG4bKproxy", "z9hG4bKua"]
    assert msg.call_id == "x@y"
    assert msg.cseq == (1, "INVITE")
    assert msg.body == b"body"
    assert parse_name_addr(msg.get("From") or "").display == "Alice"


def test_it_rejects_something_that_is_not_sip():
    with pytest.raises(SipParseError):
        parse_message(b"HTTP/1.1 200 OK\r\n\r\n")


def test_a_built_request_round_trips_with_its_content_length():
    req = Request(
        method="OPTIONS",
        uri="sip:127.0.0.1:5060",
        headers=[("Via", "SIP/2.0/UDP h:1;branch=z9hG4bKx"), ("Content-Length", "99")],
        body=b"abc",
    )
    again = parse_message(req.to_bytes())
    assert isinstance(again, Request)
    assert again.get("Content-Length") == "3"
    assert again.body == b"abc"


def test_the_stream_framer_cuts_messages_by_content_length_across_reads():
    one = Response(status=200, reason="OK", headers=[("CSeq", "1 OPTIONS")], body=b"hello").to_bytes()
    two = Response(status=180, reason="Ringing", headers=[("CSeq", "2 INVITE")]).to_bytes()
    stream = b"\r\n\r\n" + one + two  # leading CRLF keep-alives are skipped
    framer = StreamFramer()
    got: list[bytes] = []
    for i in range(0, len(stream), 7):
        got += framer.feed(stream[i : i + 7])
    assert got == [one, two]
    assert parse_message(got[0]).body == b"hello"


def test_the_stream_framer_refuses_a_message_without_content_length():
    with pytest.raises(SipParseError):
        StreamFramer().feed(b"SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n")


def test_uri_and_list_helpers_keep_commas_inside_quotes_and_brackets():
    uri = parse_uri("sip:alice@127.0.0.1:51761;transport=TLS")
    assert (uri.user, uri.host, uri.port, uri.transport) == ("alice", "127.0.0.1", 51761, "tls")
    assert split_list('"Doe, J" <sip:a@b;x=1,2>, <sip:c@d>') == ['"Doe, J" <sip:a@b;x=1,2>', "<sip:c@d>"]
    assert canonical("www-authenticate") == "WWW-Authenticate"
    assert canonical("call-id") == "Call-ID"
