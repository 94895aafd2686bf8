"""The corpus of secret formats: every shape a SIP client or its platform writes a secret in.

Each case is a line as an app, a proxy or a platform dumps it, the secret words it holds and
what must stay readable. Headers and URI schemes come in any case; passphrases have several
words; the same cases run after long runs of case-changing Unicode (Turkish dotted capital I
lower-cases to two characters), which once made the cuts drift away from the secrets.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calltriage.clientlog.redact import MASK, redact
from calltriage.clientlog.upload import prepare_upload
from tests.clientlog.planted import Pick, digest_hex, occurs_by_chance, picks, plant, random_text, secret_word

CORPUS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # name: (line, secrets, kept)
    "authorization-basic-upper": ("AUTHORIZATION: Basic YWxpY2U6U2VjcmV0LVBhc3M=",
                                  ("YWxpY2U6U2VjcmV0LVBhc3M=",), ("AUTHORIZATION",)),
    "authorization-basic-mixed": ("aUtHoRiZaTiOn: bAsIc YWxpY2U6U2VjcmV0LVBhc3M=",
                                  ("YWxpY2U6U2VjcmV0LVBhc3M=",), ()),
    "authorization-digest-upper": (
        'AUTHORIZATION: DIGEST USERNAME="alice", REALM="lab.test", NONCE="n0nce", '
        'RESPONSE="6629fae49393a05397450978507c4ef1", CNONCE="c0ffee42"',
        ("6629fae49393a05397450978507c4ef1", "c0ffee42"), ('USERNAME="alice"', 'REALM="lab.test"')),
    "proxy-authorization-digest": (
        'PROXY-AUTHORIZATION: Digest username="bob", response="8d8ddfd2e424a286e944aa71463ee92c"',
        ("8d8ddfd2e424a286e944aa71463ee92c",), ('username="bob"',)),
    "proxy-authorization-basic": ("Proxy-Authorization: Basic Ym9iOkJvYi1TM2NyZXQh",
                                  ("Ym9iOkJvYi1TM2NyZXQh",), ("Proxy-Authorization",)),
    "digest-response-elsewhere": ('pjsua_acc.c  RESPONSE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"',
                                  ("0a1b2c3d4e5f60718293a4b5c6d7e8f9",), ()),
    "ha1-value": ("HA1: 5f4dcc3b5aa765d61d8327deb882cf99", ("5f4dcc3b5aa765d61d8327deb882cf99",), ()),
    "bearer-upper": ("X-Auth: BEARER eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln",
                     ("eyJhbGciOiJIUzI1NiJ9",), ()),
    "cookie": ("Cookie: SESSIONID=Sess-Secret-1; csrftoken=Csrf-Secret-2",
               ("Sess-Secret-1", "Csrf-Secret-2"), ("SESSIONID=", "csrftoken=")),
    "cookie-upper": ("COOKIE: sid=Sess-Secret-3", ("Sess-Secret-3",), ("COOKIE",)),
    "set-cookie": ("Set-Cookie: session=Sess-Secret-4; Path=/; HttpOnly; SameSite=Strict",
                   ("Sess-Secret-4",), ("Path=/", "HttpOnly", "SameSite=Strict")),
    "sip-uri-upper": ("Contact: <SIP:alice:Uri-Secret-1@lab.test;transport=tls>",
                      ("Uri-Secret-1",), ("alice", "lab.test")),
    "sips-uri": ("outbound=sips:alice:Uri-Secret-2@proxy.lab.test:5061", ("Uri-Secret-2",), ("alice",)),
    "sips-uri-mixed": ("route: <SiPs:+15550001:Uri-Secret-3@lab.test>", ("Uri-Secret-3",), ("+15550001",)),
    "http-uri": ("provisioning http://alice:Uri-Secret-4@prov.lab.test/cfg.xml", ("Uri-Secret-4",),
                 ("prov.lab.test/cfg.xml",)),
    "https-uri-upper": ("HTTPS://ALICE:Uri-Secret-5@PROV.LAB.TEST/", ("Uri-Secret-5",), ("PROV.LAB.TEST",)),
    "json": ('{"sipPassword": "Json-Secret-1", "user": "alice"}', ("Json-Secret-1",), ('"user": "alice"',)),
    "json-upper-key": ('{"SIP_PASSWORD":"Json-Secret-2"}', ("Json-Secret-2",), ()),
    "json-escaped-quote": (r'{"password": "Json-\"Secret-3"}', ("Secret-3",), ()),
    "xml-element": ("<Password>Xml-Secret-1</Password>", ("Xml-Secret-1",), ("<Password>",)),
    "xml-attribute": ('<account user="alice" password="Xml-Secret-2"/>', ("Xml-Secret-2",), ('user="alice"',)),
    "android-prefs": ('    <string name="sip_password">Android-Secret-1</string>',
                      ("Android-Secret-1",), ('name="sip_password"',)),
    "android-prefs-token": ("<string name='push_token'>Android-Secret-2</string>", ("Android-Secret-2",), ()),
    "android-prefs-passphrase": ('<string name="passphrase">correct horse battery staple</string>',
                                 ("correct", "horse", "battery", "staple"), ()),
    "ini": ("password = Ini-Secret-1", ("Ini-Secret-1",), ("password",)),
    "ini-upper": ("PASSWORD=Ini-Secret-2", ("Ini-Secret-2",), ()),
    "properties": ("sip.account.password: Props-Secret-1", ("Props-Secret-1",), ("sip.account.password",)),
    "passphrase-words": ("passphrase = correct horse battery staple",
                         ("correct", "horse", "battery", "staple"), ()),
    "passphrase-colon": ("tls_key_passphrase: Tr0ub4dor and more words", ("Tr0ub4dor", "more", "words"), ()),
    "passphrase-then-key": ("password=two words user=alice", ("two", "words"), ("user=alice",)),
    "passphrase-word-with-dashes": ("passphrase = first --second", ("first", "--second"), ()),
    "cli-equals-then-option": ("--password=Cli-Secret-2 --realm *", ("Cli-Secret-2",), ("--realm *",)),
    "cli-quoted-passphrase": ('--username alice --password "correct horse battery" --realm *',
                              ("correct", "horse", "battery"), ("--realm *",)),
    "cli-upper": ("--PASSWORD Cli-Secret-1", ("Cli-Secret-1",), ()),
    "query-string": ("GET /login?user=alice&pwd=Query-Secret-1&x=1", ("Query-Secret-1",), ("user=alice", "x=1")),
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_secret_format_is_redacted(name: str) -> None:
    line, secrets, kept = CORPUS[name]
    out = redact(line).text
    for secret in secrets:
        assert secret not in out, (name, out)
    for keep in kept:
        assert keep in out, (name, out)
    assert MASK in out
    assert redact(out).text == out  # idempotent


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_case_changing_unicode_before_a_secret_does_not_move_the_cut(name: str) -> None:
    line, secrets, _ = CORPUS[name]
    turkish = "İSTANBUL ŞİŞLİ İĞNE İnce " * 40 + "\n"
    other = "ẞ ǅ ﬃ Ω K Å ΐ ﬆ ŉ\n" * 20  # characters whose case mapping changes the length
    text = turkish + other + line + "\n" + turkish + line + "\n"
    out = redact(text).text
    for secret in secrets:
        assert secret not in out, (name, out[-400:])
    assert out.startswith(turkish + other)


def test_a_turkish_log_keeps_no_password_in_clear() -> None:
    text = ("İ" * 5000 + "\n" + "password=Drift-Secret-1\n" + '{"sipPassword": "Drift-Secret-2"}\n') * 3
    out = redact(text)
    assert "Drift-Secret" not in out.text
    assert out.counts["password"] == 6


def test_an_xml_element_closed_in_another_case_is_still_redacted() -> None:
    out = redact("<PASSWORD>Xml-Secret-9</password> <Token a='1'>Xml-Secret-10</TOKEN>"
                 ' <STRING NAME="SIP_PASSWORD">Xml-Secret-11</string>').text
    assert "Xml-Secret" not in out


@settings(max_examples=400, deadline=None)
@given(chunks=st.lists(random_text, min_size=1, max_size=8), words=st.tuples(secret_word, secret_word),
       digest=digest_hex, chosen=picks)
def test_no_secret_planted_in_random_unicode_survives_an_upload(
        chunks: list[str], words: tuple[str, str], digest: str,
        chosen: list[Pick]) -> None:
    text, secrets = plant(chunks, words, digest, chosen)
    assume(not occurs_by_chance(secrets, chunks))
    stored = prepare_upload("app.log", text.encode("utf-8"), max_bytes=10_000_000).text
    for secret in secrets:
        assert secret not in stored, (text, stored)
    assert redact(stored).text == stored
