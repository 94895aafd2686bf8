"""The lab appliance's Nagios NRPE daemon: Debian's `nrpe` with a config file of its own, on a free
port bound to 127.0.0.1 only, run in the foreground as the lab's private process (never the
system service). Its commands look at the real Kamailio and the real database with the standard
monitoring plugins; calltriage's privateserver backend asks them with Debian's `check_nrpe`.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from calltriage_lab.errors import LabComponentMissing

PLUGINS = Path("/usr/lib/nagios/plugins")
NRPE_HINT = "apt-get install nagios-nrpe-server monitoring-plugins-basic monitoring-plugins-standard"
#: the lab's NRPE commands, in the order the backend reports them (docs/backends.md)
COMMANDS = ("check_voip_engine", "check_sip", "check_sip_tls", "check_jsonrpc", "check_database",
            "check_console", "check_load", "check_disk")


def nrpe_binary() -> str:
    path = shutil.which("nrpe", path="/usr/sbin:/usr/bin:/usr/local/sbin")
    if not path or not (PLUGINS / "check_procs").exists() or not (PLUGINS / "check_mysql_query").exists():
        raise LabComponentMissing(f"NRPE or the monitoring plugins are not installed: {NRPE_HINT}")
    return path


@dataclass(frozen=True)
class NrpeSetup:
    directory: Path
    port: int
    sip_port: int
    tls_port: int
    http_port: int
    console_port: int
    database: str
    option_file: Path  # [client] user/password for check_mysql_query

    @property
    def config_path(self) -> Path:
        return self.directory / "nrpe.cfg"

    @property
    def log_path(self) -> Path:
        return self.directory / "nrpe.log"

    def commands(self) -> dict[str, str]:
        p = PLUGINS
        options = (
            f"OPTIONS sip:127.0.0.1:{self.sip_port} SIP/2.0\\r\\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKnrpe\\r\\n"
            "From: <sip:nrpe@lab.test>;tag=nrpe\\r\\nTo: <sip:nrpe@lab.test>\\r\\nCall-ID: nrpe-check\\r\\n"
            "CSeq: 1 OPTIONS\\r\\nMax-Forwards: 70\\r\\nContent-Length: 0\\r\\n\\r\\n"
        )
        rpc = '{"jsonrpc":"2.0","method":"core.uptime","id":1}'
        return {
            # the engine's processes (this lab's Kamailio only: its pid file is on its command line)
            "check_voip_engine": f"{p}/check_procs -C kamailio -a {self.directory}/run/kamailio.pid -c 1:",
            # a SIP OPTIONS over TCP answered 200
            "check_sip": (f'{p}/check_tcp -H 127.0.0.1 -p {self.sip_port} -t 3 -E -s "{options}"'
                          ' -e "SIP/2.0 200" -M crit'),
            # the SIP/TLS port accepts connections (no handshake: Kamailio 5.6.3 must not see
            # concurrent TLS handshakes)
            "check_sip_tls": f"{p}/check_tcp -H 127.0.0.1 -p {self.tls_port} -t 3",
            # the engine's control interface answers
            "check_jsonrpc": (f"{p}/check_http -H 127.0.0.1 -p {self.http_port} -u /RPC -P '{rpc}'"
                              " -T application/json -s uptime -t 3"),
            # the accounts store answers a query
            "check_database": (f"{p}/check_mysql_query -H 127.0.0.1 -P 3306 -f {self.option_file} -g client"
                               f' -d {self.database} -q "SELECT COUNT(*) FROM subscriber" -w 0: -c 0:'),
            # the management console's health page
            "check_console": (f"{p}/check_http -S -H 127.0.0.1 -p {self.console_port} -u /health"
                              " -s '\"status\": \"ok\"' -t 3"),
            # machine resources (per-core load; generous: the lab shares its box)
            "check_load": f"{p}/check_load -r -w 20,20,20 -c 40,40,40",
            "check_disk": f"{p}/check_disk -w 2% -c 1% -p /",
        }

    def write(self) -> None:
        lines = [
            "# NRPE of the calltriage PrivateServer lab (written by calltriage lab up)",
            f"server_port={self.port}",
            "server_address=127.0.0.1",
            "allowed_hosts=127.0.0.1",
            "dont_blame_nrpe=0",
            "allow_bash_command_substitution=0",
            "command_timeout=15",
            "connection_timeout=30",
            "disable_syslog=1",
            f"log_file={self.log_path}",
            "debug=0",
        ]
        if os.geteuid() == 0:
            # NRPE refuses to run as root: it drops to the Debian package's user
            lines += ["nrpe_user=nagios", "nrpe_group=nagios"]
        lines += [f"command[{name}]={cmd}" for name, cmd in self.commands().items()]
        self.config_path.write_text("\n".join(lines) + "\n")
        self.log_path.write_text("")  # this start's lines only: readiness reads them
        if os.geteuid() == 0:
            nagios = pwd.getpwnam("nagios")
            for path in (self.log_path, self.option_file.parent, self.option_file):
                os.chown(path, nagios.pw_uid, nagios.pw_gid)

    def command(self) -> list[str]:
        return [nrpe_binary(), "-c", str(self.config_path), "-4", "-f"]

    def listening(self) -> bool:
        """NRPE says it listens on its port (a connection alone could reach another process that
        took the port first) and the port accepts connections."""
        if f"Listening for connections on port {self.port}" not in self.log_path.read_text(errors="replace"):
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def bind_failed(self) -> bool:
        return "Address already in use" in self.log_path.read_text(errors="replace")
