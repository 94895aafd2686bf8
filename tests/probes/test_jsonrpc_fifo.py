"""JSON-RPC over Kamailio's FIFO, for calltriage running on the SIP server itself."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from calltriage.backends.kamailio.jsonrpc import FIFO_REPLY_DIR, JsonRpcClient, RpcFault, RpcUnavailable
from calltriage.config import ServerSettings

pytestmark = pytest.mark.lab


def fifo_of(lab: Any) -> str:
    return f"fifo://{Path(lab.dir) / 'run' / 'kamailio_rpc.fifo'}"


def leftovers() -> list[str]:
    return [f for f in os.listdir(FIFO_REPLY_DIR) if f.startswith(f"calltriage_rpc_{os.getpid()}_")]


def test_it_answers_over_the_fifo_like_over_http(kamailio_lab: Any) -> None:
    fifo = JsonRpcClient(fifo_of(kamailio_lab))
    http = JsonRpcClient(kamailio_lab.jsonrpc_url)
    assert asyncio.run(fifo.call("core.version", timeout=3)) == asyncio.run(http.call("core.version", timeout=3))
    with pytest.raises(RpcFault, match="AOR not found"):
        asyncio.run(fifo.call("ul.lookup", "location", "nobody-here", timeout=3))
    assert leftovers() == []


def test_a_frozen_server_ends_at_the_deadline_and_leaves_no_reply_fifo(lab_factory: Any) -> None:
    lab = lab_factory(cast=False)
    client = JsonRpcClient(fifo_of(lab))
    lab.freeze()
    try:
        started = time.monotonic()
        with pytest.raises(RpcUnavailable, match="did not answer within 1 s"):
            asyncio.run(client.call("core.uptime", timeout=1))
        assert time.monotonic() - started < 3
    finally:
        lab.thaw()
    assert leftovers() == []


def test_a_missing_fifo_names_the_problem(tmp_path: Path) -> None:
    client = JsonRpcClient(f"fifo://{tmp_path / 'kamailio_rpc.fifo'}")
    with pytest.raises(RpcUnavailable, match="does not exist"):
        asyncio.run(client.call("core.uptime", timeout=1))


def test_the_config_accepts_fifo_and_refuses_other_schemes() -> None:
    ok = ServerSettings(server={"domain": "lab.test", "host": "127.0.0.1",
                                "jsonrpc_url": "fifo:///run/kamailio/kamailio_rpc.fifo"})
    assert ok.server.jsonrpc_url == "fifo:///run/kamailio/kamailio_rpc.fifo"
    with pytest.raises(ValueError, match="http://, https:// or fifo"):
        ServerSettings(server={"domain": "lab.test", "host": "127.0.0.1", "jsonrpc_url": "ftp://x/RPC"})
