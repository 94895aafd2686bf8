"""Connection failures are classified in plain words (no network)."""

from __future__ import annotations

import socket
import ssl

import pytest

from calltriage.sip import Endpoint, FailureKind
from calltriage.sip.transport import classify

EP = Endpoint("127.0.0.1", 5061, "tls", "localhost")


def cert_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_code = code
    exc.verify_message = message
    return exc


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (10, FailureKind.TLS_EXPIRED, "has expired"),
        (62, FailureKind.TLS_HOSTNAME, "not valid for the name 'localhost'"),
        (18, FailureKind.TLS_UNTRUSTED, "self-signed or unknown CA"),
        (20, FailureKind.TLS_UNTRUSTED, "self-signed or unknown CA"),
        (9, FailureKind.TLS_NOT_YET_VALID, "not yet valid"),
        (26, FailureKind.TLS_OTHER, "unsupported certificate purpose"),
    ],
)
def test_openssl_verify_codes_map_to_kinds(code, kind, words):
    err = classify(cert_error(code, "unsupported certificate purpose"), EP)
    assert err.kind is kind and err.verify_code == code and words in str(err)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("TLSV1_ALERT_PROTOCOL_VERSION", FailureKind.TLS_PROTOCOL),
        ("UNSUPPORTED_PROTOCOL", FailureKind.TLS_PROTOCOL),
        ("WRONG_VERSION_NUMBER", FailureKind.TLS_NOT_TLS),
        ("SOMETHING_ELSE", FailureKind.TLS_OTHER),
    ],
)
def test_ssl_reasons_map_to_kinds(reason, kind):
    exc = ssl.SSLError(1, reason)
    exc.reason = reason  # type: ignore[misc]
    assert classify(exc, EP).kind is kind


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (ConnectionRefusedError(), FailureKind.REFUSED),
        (TimeoutError(), FailureKind.TIMEOUT),
        (socket.gaierror(-2, "Name or service not known"), FailureKind.UNREACHABLE),
        (ConnectionResetError(), FailureKind.CLOSED),
        (
            ConnectionAbortedError("SSL handshake is taking longer than 2.0 seconds: aborting the connection"),
            FailureKind.TIMEOUT,
        ),
    ],
)
def test_socket_failures_map_to_kinds(exc, kind):
    assert classify(exc, EP, 2.0).kind is kind
