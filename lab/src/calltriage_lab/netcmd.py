"""Shell plumbing of the client-side networks: `ip`, `nft`, `conntrack`, sysctls, and the sweep that
removes everything a lab's networks left behind (also after a crash).

Every object a network creates is named with the lab's prefix (``ct`` + 4 hex digits of the lab
folder's path): network namespaces ``<prefix><n>-router`` / ``<prefix><n>-device``, veths
``<prefix><n>h|w|l|e``, the host's nftables table ``ip <prefix><n>``, ``/etc/netns/<prefix><n>-device``.
A registry file per network in ``/run/calltriage-lab/net`` records its owner so a later run can
sweep networks whose lab and owner are both gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from calltriage_lab.errors import LabComponentMissing, LabError

REGISTRY = Path("/run/calltriage-lab/net")
ETC_NETNS = Path("/etc/netns")
TOOLS = {"ip": "iproute2", "nft": "nftables", "conntrack": "conntrack"}


def lab_prefix(lab_dir: Path) -> str:
    """``ct`` + 4 hex digits of the lab folder: short enough for 15-character interface names."""
    return "ct" + hashlib.sha1(str(Path(lab_dir).resolve()).encode()).hexdigest()[:4]


def unavailable_reason() -> str | None:
    """Why client networks cannot run here (None when they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (tests and CI run as root)"
    missing = [pkg for tool, pkg in TOOLS.items() if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None]
    if missing:
        return f"apt-get install {' '.join(missing)} (scripts/install-system-deps.sh)"
    probe = "ctprobe" + str(os.getpid() % 100000)
    try:
        run("ip", "netns", "add", probe)
    except LabError as exc:
        return f"cannot create network namespaces here: {exc}"
    run("ip", "netns", "del", probe, check=False)
    return None


def require_available() -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise LabComponentMissing(f"client networks unavailable: {reason}")


def run(*argv: str, input: str | None = None, check: bool = True, netns: str | None = None) -> str:
    """Run one command (inside ``netns`` when given); a failure is one LabError line."""
    cmd: list[str] = ["ip", "netns", "exec", netns, *argv] if netns else list(argv)
    proc = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=30)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise LabError(f"`{' '.join(cmd)}` failed: {detail[-1] if detail else f'exit {proc.returncode}'}")
    return proc.stdout


def nft(script: str, *, netns: str | None = None) -> None:
    run("nft", "-f", "-", input=script, netns=netns)


def sysctl(name: str, value: str | int, *, netns: str | None = None) -> None:
    run("sysctl", "-qw", f"{name}={value}", netns=netns)


def namespaces() -> list[str]:
    out = run("ip", "netns", "list", check=False)
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def host_links() -> list[str]:
    out = run("ip", "-o", "link", "show", check=False)
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]


def host_tables() -> list[str]:
    out = run("nft", "list", "tables", "ip", check=False)
    return [line.split()[-1] for line in out.splitlines() if line.startswith("table ip ")]


def host_addresses() -> list[str]:
    out = run("ip", "-o", "-4", "addr", "show", check=False)
    return [line.split()[3].split("/")[0] for line in out.splitlines() if len(line.split()) > 3]


def kill_pids(pids: Sequence[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def registry_entries() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    if REGISTRY.is_dir():
        for path in REGISTRY.glob("*.json"):
            try:
                entries[path.stem] = json.loads(path.read_text())
            except (OSError, ValueError):
                entries[path.stem] = {}
    return entries


def sweep(prefix: str) -> list[str]:
    """Remove every namespace, veth, host nftables table, hosts file, relay process and registry
    entry whose name starts with ``prefix``; return what was removed."""
    removed: list[str] = []
    for name, entry in registry_entries().items():
        if name.startswith(prefix):
            kill_pids([int(p) for p in entry.get("pids", [])])
    for ns in namespaces():
        if ns.startswith(prefix):
            # processes still inside would keep the namespace's devices alive: kill them first
            pids = run("ip", "netns", "pids", ns, check=False).split()
            kill_pids([int(p) for p in pids if p.isdigit()])
            run("ip", "netns", "del", ns, check=False)
            removed.append(f"netns {ns}")
    for link in host_links():
        if link.startswith(prefix):
            run("ip", "link", "del", link, check=False)
            removed.append(f"link {link}")
    for table in host_tables():
        if table.startswith(prefix):
            run("nft", "delete", "table", "ip", table, check=False)
            removed.append(f"nft table {table}")
    if ETC_NETNS.is_dir():
        for folder in ETC_NETNS.glob(f"{prefix}*"):
            shutil.rmtree(folder, ignore_errors=True)
    if REGISTRY.is_dir():
        for path in REGISTRY.glob(f"{prefix}*.json"):
            path.unlink(missing_ok=True)
    return removed


def sweep_lab(lab_dir: Path) -> list[str]:
    """Sweep every client network of the lab in ``lab_dir`` (nothing to do: no root needed)."""
    prefix = lab_prefix(lab_dir)
    if not any(name.startswith(prefix) for name in registry_entries()):
        return []
    return sweep(prefix)


def sweep_orphans() -> list[str]:
    """Sweep networks whose lab folder is gone, or whose owner process and lab server both died."""
    removed: list[str] = []
    for name, entry in registry_entries().items():
        lab_dir = entry.get("lab_dir")
        gone = not lab_dir or not Path(lab_dir).exists()
        dead = not pid_alive(entry.get("owner_pid")) and not pid_alive(entry.get("server_pid"))
        if gone or dead:
            removed += sweep(name)
    return removed
