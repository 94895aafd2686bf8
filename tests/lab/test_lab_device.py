"""Simulated devices that live like an app: they stay, re-register over their connection when
asked, answer as told, leave without un-REGISTER unless told; and everything is cleaned up."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from calltriage_lab import netcmd
from calltriage_lab.cli import app
from calltriage_lab.device import Device, start_device
from tests.lab_fixtures import LAB_CAST, require_client_networks, require_kamailio, require_pjsua2

pytestmark = pytest.mark.lab


@pytest.fixture
def devices():
    started: list[Device] = []
    yield started
    for dev in started:
        dev.kill()


def _start(devices, lab, user, **options):
    dev = start_device(lab, user, LAB_CAST[user][0], **options)
    devices.append(dev)
    return dev


def test_a_device_reregisters_over_the_connection_it_keeps(lab_factory, client_network_factory, devices):
    require_pjsua2()
    lab = lab_factory()
    net = client_network_factory(lab, "home")
    alice = _start(devices, lab, "alice", network=net)
    assert alice.started["code"] == 200
    (before,) = lab.contacts("alice")
    again = alice.request("reconnect")
    assert again["ok"] and again["code"] == 200
    (after,) = lab.contacts("alice")
    # same connection: the router kept its binding, so the server sees the same public port
    assert after["Received"] == before["Received"] and net.wan_ip in after["Received"]
    assert after["CSeq"] > before["CSeq"]
    assert [e["code"] for e in alice.request("events")["events"] if e.get("event") == "reg_state"] == [200, 200]


def test_a_device_answers_declines_or_ignores_calls_as_told(lab_factory, user_agent_factory, devices):
    require_pjsua2()
    lab = lab_factory()
    bob = _start(devices, lab, "bob")
    alice = user_agent_factory(lab, "alice")
    assert alice.register().ok
    assert alice.call("+15550002").code == 200
    assert bob.request("answer_mode", mode="reject", code=603)["ok"]
    assert alice.call("+15550002").code == 603
    bob.request("answer_mode", mode="ignore")
    ignored = alice.call("+15550002", timeout=3)
    assert ignored.timed_out and not ignored.answered
    incoming = [e for e in bob.request("events")["events"] if e.get("event") == "incoming"]
    assert [e["mode"] for e in incoming] == ["auto", "reject", "ignore"]


def test_a_device_leaves_its_contact_unless_told_to_unregister(lab_factory, devices):
    require_pjsua2()
    lab = lab_factory()
    carol = _start(devices, lab, "carol", transport="tcp")
    assert carol.started["code"] == 200
    carol.stop()
    assert not carol.alive() and len(lab.contacts("carol")) == 1  # like a killed app
    (stale,) = lab.contacts("carol")
    carol = _start(devices, lab, "carol")
    assert len(lab.contacts("carol")) == 2
    carol.stop(unregister=True)
    assert [c["Address"] for c in lab.contacts("carol")] == [stale["Address"]]


def test_the_cli_runs_networks_and_devices_and_lab_down_removes_everything(tmp_path):
    require_kamailio()
    require_pjsua2()
    require_client_networks()
    runner = CliRunner()
    folder = str(tmp_path / "lab")
    prefix = netcmd.lab_prefix(tmp_path / "lab")

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--dir", folder])
        assert result.exit_code == 0, f"{args}: {result.output} {result.exception}"
        return result.output

    try:
        run("up")
        assert json.loads(run("net", "up", "home", "--json"))["device_ns"].startswith(prefix)
        started = json.loads(run("device", "start", "alice", "--net", "home", "--json"))
        assert started["register"]["code"] == 200 and started["network"] == "home"
        run("device", "start", "bob", "--answer", "reject", "--reject-code", "603")
        assert "603" in run("device", "call", "alice", "+15550002")
        assert "REGISTER 200" in run("device", "reconnect", "alice")
        assert "1 NAT binding(s) forgotten" in run("net", "expire", "home")
        assert "TLS required" in run("device", "start", "carol", "--transport", "udp")
        status = json.loads(run("status", "--json"))
        assert status["networks"] == ["home"] and status["registered"]["alice"] == 1
        assert {"name": "alice", "user": "alice", "network": "home", "running": True} in status["devices"]
    finally:
        runner.invoke(app, ["down", "--dir", folder])
    assert not [ns for ns in netcmd.namespaces() if ns.startswith(prefix)]
    assert not [link for link in netcmd.host_links() if link.startswith(prefix)]
    assert not [t for t in netcmd.host_tables() if t.startswith(prefix)]
    assert not list((tmp_path / "lab" / "devices").glob("*.json"))


def test_networks_left_by_a_crashed_run_are_swept(lab_factory, tmp_path):
    require_client_networks()
    lab = lab_factory(cast=False)
    script = (
        "import sys, os, signal\n"
        "from pathlib import Path\n"
        "from calltriage_lab.clientnet import ClientNetwork\n"
        "class Lab:\n"
        f"    dir = Path({str(lab.dir)!r}); sip_port = {lab.sip_port}; tls_port = {lab.tls_port}; pid = None\n"
        "net = ClientNetwork(Lab(), 'crashy').start()\n"
        "print(net.id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    net_id = proc.stdout.strip()
    assert net_id and f"{net_id}-device" in netcmd.namespaces()  # the crash left it behind
    lab.stop()  # its lab is gone too
    removed = netcmd.sweep_orphans()
    assert f"netns {net_id}-device" in removed
    assert not [ns for ns in netcmd.namespaces() if ns.startswith(net_id)]
    end = time.monotonic() + 30
    while [link for link in netcmd.host_links() if link.startswith(net_id)] and time.monotonic() < end:
        time.sleep(0.1)
    assert not [link for link in netcmd.host_links() if link.startswith(net_id)]


def test_after_the_nat_forgot_it_a_retrying_device_registers_on_a_new_connection(
    lab_factory, client_network_factory, devices
):
    require_pjsua2()
    lab = lab_factory()
    net = client_network_factory(lab, "home")
    alice = _start(devices, lab, "alice", network=net, retry_interval=1)
    (old,) = lab.contacts("alice")
    net.expire_nat()
    refused = alice.request("reconnect")
    assert refused["code"] == 503  # the old connection is dead: the server reset the unknown flow
    end = time.monotonic() + 60
    while len(lab.contacts("alice")) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    received = sorted(c["Received"] for c in lab.contacts("alice"))
    assert len(received) == 2 and old["Received"] in received  # the stale contact stays listed
    assert [e["code"] for e in alice.request("events")["events"] if e.get("event") == "reg_state"][-1] == 200


def test_one_account_on_two_devices(lab_factory, devices):
    require_pjsua2()
    lab = lab_factory()
    _start(devices, lab, "bob")
    second = _start(devices, lab, "bob", name="bob-tablet", transport="tcp")
    assert second.started["code"] == 200 and second.state["user"] == "bob"
    assert len(lab.contacts("bob")) == 2


def test_control_sockets_work_in_a_lab_folder_deeper_than_a_unix_socket_path_allows(tmp_path):
    import socket

    from calltriage_lab import unixsock

    folder = tmp_path / ("d" * 100) / "devices"
    folder.mkdir(parents=True)
    path = folder / "alice.sock"
    assert len(str(path)) > 108
    with socket.socket(socket.AF_UNIX) as server, socket.socket(socket.AF_UNIX) as client:
        unixsock.bind(server, path)
        server.listen(1)
        unixsock.connect(client, path)
        conn, _ = server.accept()
        client.sendall(b"ping")
        assert conn.recv(4) == b"ping" and path.exists()
        conn.close()
