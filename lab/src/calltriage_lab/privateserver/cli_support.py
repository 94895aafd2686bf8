"""`calltriage lab up|down|status --backend privateserver`: the PrivateServer lab's side of the
lab CLI (cli.py dispatches here when lab.json says `"backend": "privateserver"`)."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path
from typing import Any

from calltriage_lab import labfiles
from calltriage_lab.errors import LabError
from calltriage_lab.privateserver import labfiles as ps_labfiles
from calltriage_lab.privateserver.server import PrivateServerLab


def is_privateserver(directory: Path) -> bool:
    try:
        return labfiles.read_lab_info(directory).get("backend") == "privateserver"
    except LabError:
        return False


def attach(directory: Path) -> PrivateServerLab:
    return PrivateServerLab.attach_ps(labfiles.read_lab_info(directory))


def up(directory: Path, *, fresh: bool, min_client_version: str, tls_only: bool = True) -> None:
    """Start the lab appliance in ``directory`` unless it runs; provision the demo accounts."""
    if is_privateserver(directory) and labfiles.read_lab_info(directory).get("pid") is not None:
        running = attach(directory)
        if running.running():
            return
        down(directory)  # a half-stopped appliance (engine down): start over cleanly
    if directory.exists() and any(directory.iterdir()):
        if not (directory / labfiles.LAB_JSON).exists():
            raise LabError(f"{directory} is not a lab folder: choose another --dir")
        if not is_privateserver(directory):
            raise LabError(f"{directory} holds a kamailio lab: `calltriage lab down --purge --dir {directory}` "
                           "first, or choose another --dir")
        if fresh:
            shutil.rmtree(directory)
    lab = PrivateServerLab(directory, tls_only=tls_only)
    try:
        lab.start()
        for account in labfiles.DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            labfiles.write_secret(lab.dir, account.username, password)
            lab.add_account(account.username, password, account.number, edition=account.edition,
                            display_name=account.display_name)
        ps_labfiles.write_lab_files(lab, lab.detach(), min_client_version)
    except BaseException:
        lab.cleanup()
        raise


def down(directory: Path) -> bool:
    """Stop the engine, NRPE and the console and drop the lab's database. True if it ran."""
    info = labfiles.read_lab_info(directory)
    if info.get("pid") is None:
        return False
    lab = attach(directory)
    was_running = lab.running()
    lab.cleanup()  # the folder stays: a given folder is never removed by cleanup()
    info["pid"] = None
    info["privateserver"].update(nrpe_pid=None, console_pid=None)
    (directory / labfiles.LAB_JSON).write_text(json.dumps(info, indent=2) + "\n")
    return was_running


def status_extra(lab: PrivateServerLab) -> dict[str, Any]:
    return {"backend": "privateserver", "nrpe_running": lab.nrpe.running(),
            "console_running": lab.console.running(), "database": lab.db.name}
