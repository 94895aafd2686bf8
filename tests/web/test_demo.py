"""`calltriage serve --demo`: the cast and incidents at different steps, created once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from calltriage.services.context import build_app
from calltriage.services.operators import OperatorService
from calltriage.web.demo import DEMO_PASSWORD, seed_demo


def test_the_demo_has_the_cast_and_incidents_at_every_level_and_state(db_url: str) -> None:
    services = build_app(db_url)
    try:
        assert seed_demo(services) >= 8
        assert seed_demo(services) == 0  # a second start adds nothing
        operators = OperatorService(services.store)
        assert {o.name: o.role for o in operators.all()} == {"ana": "L1", "ben": "L2", "cy": "L3",
                                                             "admin": "admin"}
        assert operators.authenticate("ben", DEMO_PASSWORD).level == 2
        items = services.cases.list(limit=100).items
        assert {i.level for i in items if i.status == "open"} == {1, 2, 3}
        assert {i.status for i in items} == {"open", "closed"}
        # a handoff continued one of them in "Connection issues"
        assert "connection-issues" in {i.playbook for i in items}
        assert len({i.current for i in items if i.current}) >= 5
    finally:
        services.close()


def test_the_demo_incidents_are_between_the_labs_accounts(db_url: str) -> None:
    from calltriage.web.demo import STORIES

    assert {party for caller, callee, _, _ in STORIES for party in (caller, callee)} == {"alice", "bob", "carol"}


def test_serve_says_how_to_get_a_server_config_when_none_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from calltriage.settings import Settings
    from calltriage.web.cli import probe_notice

    notice = probe_notice(Settings.from_environment({}).server_settings())
    assert "no SIP server configured" in notice and "calltriage lab up" in notice


def test_serve_names_the_server_the_probes_ask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from calltriage.settings import Settings
    from calltriage.web.cli import probe_notice

    config = tmp_path / "server.toml"
    config.write_text('[server]\ndomain = "lab.test"\nhost = "127.0.0.1"\ntls_port = 5061\n')
    server = Settings.from_environment({"CALLTRIAGE_CONFIG": str(config)}).server_settings()
    assert probe_notice(server) == f"Probes: ask lab.test at 127.0.0.1 (TLS 5061) from {config}."


def test_serve_with_two_workers_answers_every_request(db_url: str, tmp_path: Path) -> None:
    """Each worker process builds its own app and store: concurrent requests all get answers."""
    import socket
    import subprocess
    import sys
    import time
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).parent / "calltriage"
    env = {**os.environ, "CALLTRIAGE_DATA_DIR": str(tmp_path), "CALLTRIAGE_WEBHOOK_URLS": ""}
    env.pop("CALLTRIAGE_CONFIG", None)
    server = subprocess.Popen([str(exe), "--db", db_url, "serve", "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve --workers 2 did not start"
            time.sleep(0.1)

        def fetch(n: int) -> int:
            with httpx.Client(base_url=base, timeout=10) as client:
                return client.get("/login").status_code + client.get("/api/v1/me").status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(fetch, range(64))) == {200 + 401}
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()
