"""The appliance's Nagios NRPE checks, asked with Debian's ``check_nrpe`` (nagios-nrpe-plugin).

One ``check_nrpe -H host -p port -c command`` per configured command, in parallel. Plugin exit
codes: 0 OK, 1 WARNING, 2 CRITICAL are findings about the server; 3 UNKNOWN and check_nrpe's
own failures (no check_nrpe, connection refused, SSL or socket errors, timeouts - which
check_nrpe reports as CRITICAL too) mean calltriage could not look: ``unknown``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence

from calltriage.backends.port import PartStatus, ServicePart
from calltriage.config import ServerSettings

_STATUS: dict[int, PartStatus] = {0: "ok", 1: "warn", 2: "fail"}
#: check_nrpe's own words when it could not get an answer from the daemon
_NRPE_FAILURES = ("connect to address", "connect to host", "connection refused", "check_nrpe:", "could not",
                  "socket timeout", "ssl handshake", "error receiving data", "no route to host",
                  "name or service not known", "nrpe: unable to read output", "nrpe: command '")


async def run_command(settings: ServerSettings, command: str, timeout: float) -> ServicePart:
    ps = settings.server.privateserver
    host = ps.nrpe_host or settings.server.host
    name = f"nrpe:{command}"
    if not os.access(ps.check_nrpe, os.X_OK):
        return ServicePart(name, "unknown", f"{ps.check_nrpe} is not installed: apt-get install nagios-nrpe-plugin")
    secs = max(1, int(timeout))
    args = [str(ps.check_nrpe), "-H", host, "-p", str(ps.nrpe_port), "-c", command, "-t", f"{secs}:UNKNOWN"]
    if not ps.nrpe_ssl:
        args.insert(1, "-n")
    try:
        proc = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL,
                                                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout + 2)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            return ServicePart(name, "unknown", f"NRPE {host}:{ps.nrpe_port} did not answer {command} in time")
    except OSError as exc:
        return ServicePart(name, "unknown", f"could not run check_nrpe: {exc.strerror or exc}")
    text = out.decode("utf-8", "replace").strip()
    first = text.splitlines()[0].split("|")[0].strip() if text else ""
    evidence = {"command": command, "exit": proc.returncode, "output": first[:300]}
    if any(w in first.lower() for w in _NRPE_FAILURES):
        return ServicePart(name, "unknown", f"could not ask NRPE {host}:{ps.nrpe_port}: {first[:160]}", evidence)
    status = _STATUS.get(proc.returncode or 0, "unknown")
    return ServicePart(name, status, f"{command}: {first[:200]}", evidence)


async def run_all(settings: ServerSettings, timeout: float) -> Sequence[ServicePart]:
    commands = settings.server.privateserver.nrpe_commands
    return await asyncio.gather(*(run_command(settings, c, timeout) for c in commands))
