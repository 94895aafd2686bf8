"""SIPp (Debian `sip-tester`) for volume: mass REGISTER of N accounts, OPTIONS load.

Debian's SIPp 3.6.1 is built without OpenSSL: UDP/TCP only (TLS volume would also be a fault
injector: concurrent TLS handshakes corrupt memory in Debian's Kamailio 5.6.3).
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from calltriage_lab.errors import LabComponentMissing
from calltriage_lab.server import KamailioLab


@dataclass(frozen=True)
class SippResult:
    successful: int
    failed: int
    returncode: int
    wall_s: float


def sipp_binary() -> str:
    path = shutil.which("sipp")
    if not path:
        raise LabComponentMissing("sipp not found: run `make deps` (apt-get install sip-tester)")
    return path


def scenario(name: str) -> Path:
    return Path(str(resources.files("calltriage_lab").joinpath("sipp", name)))


def provision_bulk(lab: KamailioLab, count: int, prefix: str = "load") -> list[tuple[str, str]]:
    """Insert ``count`` subscribers (no provisioning rows) in one transaction; return credentials."""
    creds = [(f"{prefix}{i:05d}", secrets.token_hex(8)) for i in range(count)]
    with lab.db.connect() as con:
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO subscriber(username, domain, password) VALUES (?, ?, ?)",
            [(user, lab.domain, pw) for user, pw in creds],
        )
        con.execute("COMMIT")
    return creds


def _counts(stdout: str) -> tuple[int, int]:
    def last(label: str) -> int:
        hits = re.findall(rf"{label}\s*\|[^|]*\|\s*(\d+)", stdout)
        return int(hits[-1]) if hits else 0

    return last("Successful call"), last("Failed call")


def _run(lab: KamailioLab, args: list[str], timeout: float) -> SippResult:
    cmd = [sipp_binary(), f"127.0.0.1:{lab.sip_port}", "-i", "127.0.0.1", "-p", "0",
           "-key", "domain", lab.domain, "-nostdin", "-timeout", f"{int(timeout)}s", *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 30)
    ok, failed = _counts(proc.stdout)
    return SippResult(ok, failed, proc.returncode, round(time.monotonic() - t0, 3))


def mass_register(
    lab: KamailioLab,
    creds: list[tuple[str, str]],
    *,
    expires: int = 300,
    rate: int = 1000,
    transport: Literal["udp", "tcp"] = "udp",
    user_agent: str = "PrivateGSM/3.1.0 (SIPp)",
    timeout: float = 60,
) -> SippResult:
    """REGISTER every account once (digest auth); contacts point at a dead port (5099)."""
    with tempfile.TemporaryDirectory(prefix="calltriage-sipp-") as tmp:
        csv = Path(tmp) / "users.csv"  # holds passwords: private temp dir, deleted at once
        lines = ["SEQUENTIAL"] + [
            f"{u};[authentication username={u} password={p}];{expires};5099" for u, p in creds
        ]
        csv.write_text("\n".join(lines) + "\n")
        csv.chmod(0o600)
        args = ["-sf", str(scenario("reg.xml")), "-inf", str(csv), "-m", str(len(creds)),
                "-r", str(rate), "-l", "500", "-t", "u1" if transport == "udp" else "t1",
                "-key", "user_agent", user_agent]
        return _run(lab, args, timeout)


def options_load(lab: KamailioLab, count: int, *, rate: int = 5000, timeout: float = 60) -> SippResult:
    """``count`` OPTIONS to the server at ``rate``/s (answered "200 Keepalive")."""
    args = ["-sf", str(scenario("options.xml")), "-m", str(count), "-r", str(rate), "-l", "200",
            "-buff_size", "8388608", "-key", "user_agent", "calltriage-lab-sipp"]
    return _run(lab, args, timeout)
