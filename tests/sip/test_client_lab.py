"""The project's SIP client against the real Kamailio lab over UDP, TCP and TLS."""

from __future__ import annotations

import asyncio
import socket

import pytest

from calltriage.sip import FailureKind, SipTransportError
from tests.sip.helpers import agent

pytestmark = pytest.mark.lab
TRANSPORTS = ["udp", "tcp", "tls"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_server_answers_options(kamailio_lab, transport):
    async def scenario():
        async with agent(kamailio_lab, None, transport) as ua:
            return await ua.options(timeout=15)

    r = asyncio.run(scenario())
    assert r.code == 200


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_register_succeeds_with_the_right_password_and_gets_401_with_a_wrong_one(kamailio_lab, transport):
    async def scenario():
        async with (
            agent(kamailio_lab, "carol", transport) as good,
            agent(kamailio_lab, "carol", transport, password="wrong") as bad,
        ):
            ok = await good.register(timeout=15, expires=30)
            rejected = await bad.register(timeout=15, expires=30)
            await good.register(timeout=15, expires=0)
            return ok, rejected

    ok, rejected = asyncio.run(scenario())
    assert ok.code == 200 and ok.challenged
    assert rejected.code == 401


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_test_call_between_service_accounts_is_answered_and_hung_up(kamailio_lab, transport):
    async def scenario():
        async with agent(kamailio_lab, "svc-a", transport) as caller, agent(kamailio_lab, "svc-b", transport) as callee:
            assert (await callee.register(timeout=15)).ok
            try:
                by_name = await caller.call("svc-b", timeout=15)
                by_number = await caller.call("+15559002", timeout=15)
            finally:
                await callee.register(timeout=15, expires=0)
            return by_name, by_number

    by_name, by_number = asyncio.run(scenario())
    for call in (by_name, by_number):
        assert call.answered and call.code == 200
        assert call.challenged  # Kamailio asked for credentials (407) first
        assert 180 in call.provisional
        assert call.bye_code == 200


def test_a_call_to_a_pjsua2_user_is_answered(kamailio_lab, user_agent_factory):
    bob = user_agent_factory(kamailio_lab, "bob")
    assert bob.register().ok

    async def scenario():
        async with agent(kamailio_lab, "svc-a", "tls") as caller:
            return await caller.call("+15550002", timeout=15)

    try:
        call = asyncio.run(scenario())
    finally:
        bob.unregister()
    assert call.answered and call.code == 200 and call.bye_code == 200


@pytest.mark.parametrize(("target", "code"), [("nobody", 404), ("carol", 480)])
def test_unknown_and_unregistered_callees_get_404_and_480(kamailio_lab, target, code):
    async def scenario():
        async with agent(kamailio_lab, "svc-a", "tls") as caller:
            return await caller.call(target, timeout=15)

    call = asyncio.run(scenario())
    assert call.code == code and not call.answered


def test_a_call_nobody_answers_is_cancelled_at_the_deadline(kamailio_lab, user_agent_factory):
    bob = user_agent_factory(kamailio_lab, "bob")
    assert bob.register(answer_mode="ring").ok

    async def scenario():
        async with agent(kamailio_lab, "svc-a", "tls") as caller:
            return await caller.call("bob", timeout=4, answer_timeout=1.0)

    try:
        call = asyncio.run(scenario())
    finally:
        bob.unregister()
    assert call.timed_out and call.cancelled
    assert 180 in call.provisional
    assert call.code == 487


def test_options_through_the_server_reach_a_registered_device(kamailio_lab):
    async def scenario():
        async with agent(kamailio_lab, "svc-a", "tcp") as prober, agent(kamailio_lab, "carol", "udp") as carol:
            await carol.register(timeout=15, expires=30)
            try:
                return await prober.options("sip:carol@lab.test", timeout=15)
            finally:
                await carol.register(timeout=15, expires=0)

    r = asyncio.run(scenario())
    assert r.code == 200 and r.server == "calltriage-probe/0.1"


@pytest.mark.parametrize(
    ("certificate", "kind", "code"),
    [
        ("expired", FailureKind.TLS_EXPIRED, 10),
        ("wronghost", FailureKind.TLS_HOSTNAME, 62),
    ],
)
def test_bad_server_certificates_are_classified(lab_factory, certificate, kind, code):
    lab = lab_factory(cast=False, certificate=certificate)

    async def scenario():
        async with agent(lab, None, "tls") as ua:
            await ua.options(timeout=2)

    with pytest.raises(SipTransportError) as info:
        asyncio.run(scenario())
    assert info.value.kind is kind and info.value.verify_code == code


def test_a_server_certificate_from_an_unknown_ca_is_classified(kamailio_lab, tmp_path):
    from calltriage_lab.certs import make_certificates

    make_certificates(tmp_path / "other")  # another CA that did not sign the server

    async def scenario():
        async with agent(kamailio_lab, None, "tls", ca=str(tmp_path / "other" / "ca.pem")) as ua:
            await ua.options(timeout=2)

    with pytest.raises(SipTransportError) as info:
        asyncio.run(scenario())
    assert info.value.kind is FailureKind.TLS_UNTRUSTED and info.value.verify_code in (7, 18, 19, 20)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_frozen_server_times_out_within_the_deadline(lab_factory, transport):
    lab = lab_factory(cast=False)
    lab.freeze()

    async def scenario():
        async with agent(lab, None, transport) as ua:
            await ua.options(timeout=1.0)

    try:
        with pytest.raises(SipTransportError) as info:
            asyncio.run(scenario())
    finally:
        lab.thaw()
    assert info.value.kind is FailureKind.TIMEOUT


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_nothing_listening_is_reported_as_refused(kamailio_lab, transport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()

    class Closed:
        tls_port = sip_port = port
        ca_file = kamailio_lab.ca_file
        domain = "lab.test"

    async def scenario():
        async with agent(Closed(), None, transport) as ua:
            await ua.options(timeout=2)

    with pytest.raises(SipTransportError) as info:
        asyncio.run(scenario())
    assert info.value.kind is FailureKind.REFUSED


def test_the_client_answers_a_call_from_a_sipp_caller(kamailio_lab, tmp_path):
    """SIPp (a different stack) calls our agent through Kamailio: INVITE/407/INVITE, 200, ACK, BYE."""
    from pathlib import Path

    from tests.lab_fixtures import LAB_CAST
    from tests.support import require_executable

    sipp = require_executable("sipp")
    csv = tmp_path / "call.csv"
    csv.write_text(f"SEQUENTIAL\nsvc-a;[authentication username=svc-a password={LAB_CAST['svc-a'][0]}];svc-b\n")
    scenario = Path(__file__).with_name("sipp_uac.xml")

    async def go():
        async with agent(kamailio_lab, "svc-b", "udp") as callee:
            assert (await callee.register(timeout=15)).ok
            try:
                proc = await asyncio.create_subprocess_exec(
                    sipp,
                    f"127.0.0.1:{kamailio_lab.sip_port}",
                    "-sf",
                    str(scenario),
                    "-inf",
                    str(csv),
                    "-key",
                    "domain",
                    "lab.test",
                    "-i",
                    "127.0.0.1",
                    "-p",
                    "0",
                    "-m",
                    "1",
                    "-timeout",
                    "10s",
                    "-timeout_error",
                    "-nostdin",
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                    cwd=tmp_path,
                )
                rc = await asyncio.wait_for(proc.wait(), 20)
            finally:
                await callee.register(timeout=15, expires=0)
            return rc, list(callee.incoming.values())

    rc, calls = asyncio.run(go())
    assert rc == 0
    assert len(calls) == 1 and calls[0].answered and calls[0].acked and calls[0].ended


def test_a_server_without_tls_1_2_is_a_protocol_version_failure(lab_factory):
    lab = lab_factory(cast=False)
    cfg = lab.dir / "tls.cfg"
    server, _, client = cfg.read_text().partition("[client:default]")
    cfg.write_text(server.replace("method = TLSv1.2+", "method = TLSv1.1") + "[client:default]" + client)
    lab.rpc("tls.reload")  # Kamailio re-reads tls.cfg; new connections get TLS 1.1 only

    async def scenario():
        async with agent(lab, None, "tls") as ua:
            await ua.options(timeout=2)

    with pytest.raises(SipTransportError) as info:
        asyncio.run(scenario())
    assert info.value.kind is FailureKind.TLS_PROTOCOL


def test_register_and_call_to_a_frozen_server_end_at_their_deadlines(lab_factory):
    lab = lab_factory()
    lab.freeze()

    async def scenario():
        async with agent(lab, "svc-a", "udp") as ua:
            call = await ua.call("svc-b", timeout=1.0)
            with pytest.raises(SipTransportError) as info:
                await ua.register(timeout=0.5)
            return call, info.value

    try:
        call, err = asyncio.run(scenario())
    finally:
        lab.thaw()
    assert call.timed_out and call.code is None and not call.cancelled  # nothing heard: nothing to CANCEL
    assert err.kind is FailureKind.TIMEOUT
