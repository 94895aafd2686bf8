"""What each check can answer follows from the backend's capabilities and the configuration
alone (no server contacted): `calltriage server check --json` and the desk's admin page."""

from __future__ import annotations

from pathlib import Path

from calltriage.config import load_server_settings
from calltriage.probes.capabilities import server_capabilities


def caps_for(tmp_path: Path, extra: str = "") -> dict[str, str]:
    path = tmp_path / "server.toml"
    path.write_text('[server]\ndomain = "lab.test"\nhost = "127.0.0.1"\n' + extra)
    report = server_capabilities(load_server_settings(path))
    assert report["backend"] == "kamailio"
    caps = report["capabilities"]
    assert isinstance(caps, dict)
    return caps


def test_without_sources_only_the_checks_that_need_no_server_table_can_answer(tmp_path: Path) -> None:
    caps = caps_for(tmp_path)
    assert caps["network.server"] == caps["clientlog.analysis"] == caps["services.server"] == "yes"
    assert caps["registrar.registration"].startswith("no: the server's control interface is not configured")
    assert caps["calls.test_call"].startswith("no: the server's database is not configured")


def test_a_control_interface_alone_gives_registrations_and_partial_events(tmp_path: Path) -> None:
    caps = caps_for(tmp_path, 'jsonrpc_url = "http://127.0.0.1:5071/RPC"\n')
    assert caps["registrar.registration"].startswith("partial: registrar refreshes only")
    assert caps["registrar.reconnection"].startswith("partial:")
    # liveness also needs service account a to send OPTIONS through the server
    assert caps["sip.callee_liveness"] == "no: needs service account(s) a ([server.service_accounts])"


def test_every_source_and_service_account_makes_every_check_answerable(tmp_path: Path) -> None:
    secret = tmp_path / "svc-a"
    secret.write_text("pw\n")
    sources = ('jsonrpc_url = "http://127.0.0.1:5071/RPC"\n'
               f'accounts_db_url = "sqlite:///{tmp_path}/k.sqlite"\n')
    account = f'[server.service_accounts.a]\nusername = "svc-a"\npassword_file = "{secret}"\n'
    # a stock Kamailio records no refused REGISTER: the checks that look for one say so
    stock = caps_for(tmp_path, sources + account)
    assert stock["registrar.reconnection"].startswith("partial: refused REGISTERs are not visible")
    assert stock["sip.callee_liveness"] == "yes"
    # and calls the proxy refuses itself leave no record: a test call may show as "no call seen"
    assert stock["calls.test_call"].startswith("partial: calls the proxy refuses itself")
    caps = caps_for(tmp_path, sources + "acc_register_outcomes = true\n" + account)
    assert set(caps.values()) == {"yes"}, caps
