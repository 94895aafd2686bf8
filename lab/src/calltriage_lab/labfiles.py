"""What `calltriage lab up` leaves behind: lab.json, calltriage-lab.toml and secrets/.

Passwords only ever go to secrets/<username> (mode 0600, folder 0700); lab.json and the TOML
reference them by path.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calltriage_lab.errors import LabError
from calltriage_lab.server import KamailioLab, LabPorts

LAB_JSON = "lab.json"
CONFIG_TOML = "calltriage-lab.toml"
MIN_CLIENT_VERSION = "3.0.0"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    number: str
    edition: str = "professional"
    display_name: str = ""
    service: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("alice", "+15550001", "professional", "Alice Example"),
    DemoAccount("bob", "+15550002", "enterprise", "Bob Example"),
    DemoAccount("carol", "+15550003", "professional", "Carol Example"),
    DemoAccount("svc-a", "+15559001", "enterprise", "Service account A", service=True),
    DemoAccount("svc-b", "+15559002", "enterprise", "Service account B", service=True),
)


def secret_path(directory: Path, username: str) -> Path:
    return directory / "secrets" / username


def write_secret(directory: Path, username: str, password: str) -> Path:
    folder = directory / "secrets"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    path = secret_path(directory, username)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    path.chmod(0o600)
    return path


def read_secret(directory: Path, username: str) -> str:
    try:
        return secret_path(directory, username).read_text().strip("\r\n")
    except OSError:
        raise LabError(
            f"no password file for {username} in {directory / 'secrets'}: run `calltriage lab up --fresh`"
        ) from None


def toml_str(value: object) -> str:
    # TOML basic strings accept JSON's escapes
    return json.dumps(str(value))


def server_config(lab: Any, *, backend: str, heading: str, sources: list[str], server_tail: list[str],
                  sections: list[str], min_client_version: str) -> str:
    """The server config a lab writes: the ``[server]`` block every backend shares (``sources``:
    how this backend reads the server; ``server_tail``: more ``[server]`` keys), the backend's own
    ``sections``, then the two service accounts (password files, never passwords)."""
    lines = [
        f"# calltriage server config for the {heading}",
        "[server]",
        f"backend = {toml_str(backend)}",
        f"domain = {toml_str(lab.domain)}",
        'host = "127.0.0.1"',
        f"sip_port = {lab.sip_port}        # UDP+TCP",
        f"tls_port = {lab.tls_port}",
        f"tls_server_name = {toml_str(lab.server_name)}",
        f"ca_file = {toml_str(lab.ca_file)}",
        *sources,
        f"min_client_version = {toml_str(min_client_version)}",
        *server_tail,
        *sections,
    ]
    for role, username in (("a", "svc-a"), ("b", "svc-b")):
        lines += ["", f"[server.service_accounts.{role}]", f"username = {toml_str(username)}",
                  f"password_file = {toml_str(secret_path(lab.dir, username))}"]
    return "\n".join(lines) + "\n"


def server_toml(lab: KamailioLab, min_client_version: str = MIN_CLIENT_VERSION) -> str:
    tail = ["# what every app must use when no provisioning record says it per account",
            'app_transport = "tls"', f"app_port = {lab.tls_port}"]
    if lab.enrichments:
        tail += ["# the lab's routing script accounts every REGISTER outcome in acc", "acc_register_outcomes = true"]
    return server_config(
        lab, backend="kamailio", heading="lab, written by `calltriage lab up`",
        sources=[f"jsonrpc_url = {toml_str(lab.jsonrpc_url)}", f"accounts_db_url = {toml_str(lab.db.url)}"],
        server_tail=tail, sections=[], min_client_version=min_client_version)


def lab_info(lab: KamailioLab, pid: int | None) -> dict[str, Any]:
    """lab.json: everything needed to find and control the lab again (no secrets)."""
    return {
        "dir": str(lab.dir),
        "pid": pid,
        "started_at": int(time.time()),
        "config": str(lab.dir / CONFIG_TOML),
        "domain": lab.domain,
        "ports": {"sip": lab.sip_port, "tls": lab.tls_port, "http": lab.http_port},
        "jsonrpc_url": lab.jsonrpc_url,
        "ca_file": str(lab.ca_file),
        "db": str(lab.db.path),
        "log": str(lab.log_path),
        "certificate": lab.certificate,
        "defines": list(lab.defines),
        "secrets_dir": str(lab.dir / "secrets"),
        "accounts": [
            {"username": a["username"], "number": a["number"], "edition": a["edition"],
             "disabled": bool(a["disabled"])}
            for a in lab.db.accounts()
        ],
    }


def write_lab_files(lab: KamailioLab, pid: int | None, min_client_version: str = MIN_CLIENT_VERSION) -> Path:
    (lab.dir / CONFIG_TOML).write_text(server_toml(lab, min_client_version))
    path = lab.dir / LAB_JSON
    path.write_text(json.dumps(lab_info(lab, pid), indent=2) + "\n")
    return path


def read_lab_info(directory: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads((directory / LAB_JSON).read_text())
    except (OSError, ValueError):
        raise LabError(f"no lab in {directory} (missing {LAB_JSON}): run `calltriage lab up`") from None
    return data


def attach(directory: Path) -> KamailioLab:
    """A handle on the lab `calltriage lab up` started in ``directory``."""
    info = read_lab_info(directory)
    ports = LabPorts(**{k: int(v) for k, v in info["ports"].items()})
    return KamailioLab.attach(Path(info["dir"]), pid=int(info["pid"]), ports=ports,
                              certificate=info.get("certificate", "good"), domain=info["domain"],
                              defines=tuple(info.get("defines", ())))
