"""What `calltriage lab up --backend privateserver` leaves behind: lab.json and the server config
(`[server] backend = "privateserver"`: the views' DB URL, NRPE, console). No secrets in either:
passwords stay in secrets/ (0600) and the config names the reader's password file."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from calltriage_lab.labfiles import CONFIG_TOML, LAB_JSON, MIN_CLIENT_VERSION, server_config, toml_str
from calltriage_lab.privateserver.nrpe import COMMANDS
from calltriage_lab.privateserver.server import PrivateServerLab

#: the lab's accounts query (the appliance documents no accounts view: the backend reads one
#: configurable read-only query; docs/backends.md)
ACCOUNTS_QUERY = "SELECT username, number, route_order, disabled, edition, transport, port FROM V_SIP_ACCOUNT"


def server_toml(lab: PrivateServerLab, min_client_version: str = MIN_CLIENT_VERSION) -> str:
    return server_config(
        lab, backend="privateserver",
        heading="PrivateServer lab, written by `calltriage lab up --backend privateserver`",
        sources=[f"accounts_db_url = {toml_str(lab.db.reader_url)}",
                 f"accounts_db_password_file = {toml_str(lab.db.reader_password_file)}"],
        server_tail=[f"console_url = {toml_str(lab.console_url)}"],
        sections=["", "[server.privateserver]", 'nrpe_host = "127.0.0.1"', f"nrpe_port = {lab.nrpe_port}",
                  f"nrpe_commands = [{', '.join(toml_str(c) for c in COMMANDS)}]",
                  f"accounts_query = {toml_str(ACCOUNTS_QUERY)}"],
        min_client_version=min_client_version)


def lab_info(lab: PrivateServerLab, pid: int | None) -> dict[str, Any]:
    """lab.json: how status/down/fault find this lab again (no secrets)."""
    return {
        "backend": "privateserver",
        "dir": str(lab.dir),
        "pid": pid,
        "started_at": int(time.time()),
        "config": str(lab.dir / CONFIG_TOML),
        "domain": lab.domain,
        "ports": {"sip": lab.sip_port, "tls": lab.tls_port, "http": lab.http_port},
        "jsonrpc_url": lab.jsonrpc_url,
        "ca_file": str(lab.ca_file),
        "db": lab.db.reader_url,
        "log": str(lab.log_path),
        "certificate": lab.certificate,
        "defines": list(lab.defines),
        "secrets_dir": str(lab.dir / "secrets"),
        "privateserver": {
            "database": lab.db.name,
            "nrpe_port": lab.nrpe_port,
            "nrpe_pid": lab.nrpe.pid,
            "console_port": lab.ps_ports.console,
            "console_url": lab.console_url,
            "console_pid": lab.console.pid,
        },
        "accounts": [
            {"username": a["username"], "number": a["number"], "edition": a["edition"], "disabled": bool(a["disabled"])}
            for a in lab.db.accounts()
        ],
    }


def write_lab_files(lab: PrivateServerLab, pid: int | None, min_client_version: str = MIN_CLIENT_VERSION) -> Path:
    (lab.dir / CONFIG_TOML).write_text(server_toml(lab, min_client_version))
    path = lab.dir / LAB_JSON
    path.write_text(json.dumps(lab_info(lab, pid), indent=2) + "\n")
    return path
