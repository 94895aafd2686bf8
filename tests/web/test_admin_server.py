"""The admin page shows the SIP server's backend and which checks it can answer."""

from __future__ import annotations

from pathlib import Path

from calltriage.config import load_server_settings
from tests.web.conftest import login, make_desk


def test_the_admin_page_lists_the_backend_and_what_each_check_can_answer(db_url: str, tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    # a Kamailio with its control interface but no database configured
    config.write_text('[server]\nbackend = "kamailio"\ndomain = "lab.test"\nhost = "127.0.0.1"\n'
                      'jsonrpc_url = "http://127.0.0.1:9/RPC"\n')
    made, services = make_desk(db_url, server=load_server_settings(config), workers=0)
    try:
        with made.client:
            page = login(made, "admin").get("/admin").text
    finally:
        services.close()
    assert "Backend <strong>kamailio</strong>" in page
    assert "<code>registrar.registration</code></td><td>partial:" in page
    assert "<code>calls.test_call</code></td><td>no: the server&#39;s database is not configured" in page


def test_without_a_server_the_admin_page_says_so(db_url: str) -> None:
    made, services = make_desk(db_url, workers=0)
    try:
        with made.client:
            page = login(made, "admin").get("/admin").text
    finally:
        services.close()
    assert "No SIP server configured" in page
