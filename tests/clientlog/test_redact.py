"""Redaction: no secret survives, what the desk needs stays, and the result is deterministic."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calltriage.clientlog.redact import MASK, redact
from calltriage.clientlog.upload import prepare_upload
from tests.clientlog.helpers import DATA, FIXTURE_PASSWORDS, digest_responses, leaked, raw, read

AUTH = (
    'Authorization: Digest username="alice", realm="lab.test", nonce="awck4msHI7aKp92G", '
    'uri="sip:lab.test", response="c869c0857eac652c3364f65ce84df3eb", cnonce="a1b2c3", qop=auth, nc=00000001'
)


def test_it_hides_the_digest_response_but_keeps_who_tried() -> None:
    out = redact(AUTH)
    assert "c869c0857eac652c3364f65ce84df3eb" not in out.text
    assert "a1b2c3" not in out.text
    assert 'username="alice"' in out.text and 'realm="lab.test"' in out.text
    assert out.counts == {"authorization": 1}


def test_it_hides_proxy_authorization_basic_and_bearer_credentials() -> None:
    text = (
        'Proxy-Authorization: Digest username="bob", response="8d8ddfd2e424a286e944aa71463ee92c"\n'
        "Authorization: Basic YWxpY2U6QWxpY2UtUzNjcmV0IQ==\n"
        "authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln\n"
    )
    out = redact(text).text
    for secret in ("8d8ddfd2e424a286e944aa71463ee92c", "YWxpY2U6QWxpY2UtUzNjcmV0IQ==", "eyJhbGciOiJIUzI1NiJ9"):
        assert secret not in out
    assert "Basic [REDACTED]" in out


@pytest.mark.parametrize(
    "line",
    [
        "password=Hunter2-pw",
        'account={"username": "alice", "password": "Hunter2-pw"}',
        "sipPassword: Hunter2-pw",
        "auth_pass = 'Hunter2-pw'",
        "pwd=Hunter2-pw&user=alice",
        "--username alice --password Hunter2-pw --realm *",
        "secret: Hunter2-pw",
        "outbound=sip:alice:Hunter2-pw@proxy.lab.test;lr",
        "access_token=Hunter2-pw",
        'response="0123456789abcdef0123456789abcdef" (Hunter2-pw-free line)',
    ],
)
def test_it_hides_passwords_in_app_settings_dumps(line: str) -> None:
    out = redact(line).text
    assert "Hunter2-pw" not in out.replace("Hunter2-pw-free", "")
    assert "0123456789abcdef0123456789abcdef" not in out
    assert MASK in out


def test_it_hides_private_key_blocks_even_when_the_log_cuts_them_off() -> None:
    whole = "key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\nafter\n"
    cut = "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    assert "MIIEvQ" not in redact(whole).text and "after" in redact(whole).text
    assert "MIIEvQ" not in redact(cut).text


def test_it_removes_every_test_password_from_the_app_settings_dump() -> None:
    out = redact(read("app_settings_dump.log"))
    assert leaked(out.text, FIXTURE_PASSWORDS) == []
    for secret in ("9f8e7d6c5b4a39281706f5e4d3c2b1a0", "APA91bHPRgkF3JUikC4ENAHEeMrd41",
                   "5f4dcc3b5aa765d61d8327deb882cf99", "MHcCAQEEIBkzO9m2n7G8", "eyJzdWIiOiJhbGljZSJ9"):
        assert secret not in out.text
    assert "registering alice@lab.test" in out.text
    assert out.total >= 9


def test_no_secret_survives_in_the_stored_text_of_any_checked_in_log() -> None:
    for path in sorted(DATA.iterdir()):
        data = path.read_bytes()
        secrets = digest_responses(data.decode("utf-8")) | set(FIXTURE_PASSWORDS)
        stored = prepare_upload(path.name, data, max_bytes=10_000_000).text
        assert leaked(stored, secrets) == [], path.name


def test_it_leaves_a_log_without_secrets_alone() -> None:
    text = read("pjsip_tls_expired.log").replace("\r\n", "\n")
    out = redact(text)
    assert out.text == text
    assert out.counts == {}


def test_it_keeps_pjsip_lines_that_only_mention_authorization() -> None:
    line = "18:04:51.738      sip_auth_client.c  ...Authorization failed for alice@lab.test: server rejected"
    assert redact(line).text == line


def test_redaction_is_deterministic_and_idempotent() -> None:
    text = raw("pjsip_call_ok.log").decode()
    once = redact(text).text
    assert redact(text).text == once
    assert redact(once).text == once
    assert redact(once).counts == {}


_password = st.text(alphabet=string.ascii_letters + string.digits + "!#$%+-_.~", min_size=8, max_size=24)
_templates = st.sampled_from([
    "password={p}",
    '"password": "{p}"',
    "sip_password: {p}",
    "--password {p}",
    "pwd={p};user=alice",
    "sip:alice:{p}@lab.test",
    "Authorization: Basic {p}",
    "secret = {p}",
])
_noise = st.text(alphabet=string.ascii_letters + string.digits + " .:=\n", max_size=60)


@settings(max_examples=300, deadline=None)
@given(password=_password, template=_templates, before=_noise, after=_noise)
def test_no_password_survives_in_any_setting_shape(password: str, template: str, before: str, after: str) -> None:
    assume(password not in before and password not in after)
    line = template.format(p=password)
    text = f"{before}\n{line}\n{after}"
    out = redact(text).text
    assert password not in out
    assert redact(out).text == out


def test_it_hides_srtp_master_keys_in_sdp() -> None:
    sdp = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\n"
    out = redact(sdp)
    assert "WVNfX19zZW1jdGwg" not in out.text
    assert out.text.startswith("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[REDACTED]|2^20")
    assert out.counts == {"srtp-key": 1}
