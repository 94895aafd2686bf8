"""`PrivateServerLab`: a lab "PrivateServer appliance" presenting the appliance's documented
interfaces for real, on loopback:

* SIP over UDP/TCP/TLS: Debian's Kamailio with `db_mysql`, writing into a MariaDB database of
  its own (`ctps_<hex>` on the machine's server);
* read-only SQL views over what Kamailio writes (views.sql), readable by a read-only user;
* a Nagios NRPE daemon (nrpe.py) whose commands look at the real Kamailio and database;
* an HTTPS management console health page (console.py).

It is a `KamailioLab` (same provisioning, agents, fault methods and addresses), so every test
and fault written for the Kamailio lab drives it too. `stop()`/`start()` stop and start the SIP
engine only (the appliance's "voip engine down" fault); `shutdown()` stops everything and
`cleanup()` also drops the database.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from calltriage_lab.certs import SERVER_NAME
from calltriage_lab.errors import LabStartError
from calltriage_lab.ports import distinct_ports
from calltriage_lab.privateserver.accounts import PsLabDB
from calltriage_lab.privateserver.daemons import Daemon
from calltriage_lab.privateserver.nrpe import NrpeSetup
from calltriage_lab.process import KamailioProcess, Launch, kamailio_binary
from calltriage_lab.server import KamailioLab, LabPorts

KAMAILIO_DB_DEFINES = Path("secrets/kamailio-db.cfg")  # relative to the lab folder (-w)


@dataclass(frozen=True)
class PsPorts:
    nrpe: int
    console: int

    @classmethod
    def free(cls, taken: LabPorts) -> PsPorts:
        avoid = {taken.sip, taken.tls, taken.http}
        ports = [p for p in distinct_ports(6) if p not in avoid][:2]
        return cls(*ports)


@dataclass(frozen=True)
class PsLaunch(Launch):
    """Kamailio with the PrivateServer config; its DB URL comes from secrets/kamailio-db.cfg."""

    def command(self) -> list[str]:
        config = Path(str(resources.files("calltriage_lab.privateserver").joinpath("kamailio.cfg")))
        defines = [
            f"SIP_PORT={self.sip_port}", f"TLS_PORT={self.tls_port}", f"HTTP_PORT={self.http_port}",
            f'SIP_DOMAIN="{self.domain}"', f'TLSCFG="{self.tls_cfg}"',
            f'CTLSOCK="unix:{self.run_dir}/kamailio_ctl"', *self.defines,
        ]
        cmd = [kamailio_binary(), "-f", str(config), "-DD", "-E", "-Y", str(self.run_dir),
               "-P", str(self.run_dir / "kamailio.pid"), "-m", str(self.shm_mb), "-M", str(self.pkg_mb),
               "-w", str(self.directory)]
        for define in defines:
            cmd += ["-A", define]
        return cmd


class PrivateServerLab(KamailioLab):
    """One private lab appliance; see docs/lab.md ("The PrivateServer lab")."""

    backend = "privateserver"

    def __init__(self, directory: Path | str | None = None, *, database: str | None = None,
                 ps_ports: PsPorts | None = None, **options: Any) -> None:
        super().__init__(directory, **options)
        self.db: PsLabDB = PsLabDB(database or PsLabDB.new_name(), self.dir / "secrets")  # type: ignore[assignment]
        self._fixed_ps_ports = ps_ports is not None
        self.ps_ports = ps_ports or PsPorts.free(self.ports)
        self.nrpe = Daemon("nrpe", self.dir / "nrpe.out")
        self.console = Daemon("console", self.dir / "console.log")

    # ---------- addresses ----------
    @property
    def nrpe_port(self) -> int:
        return self.ps_ports.nrpe

    @property
    def console_url(self) -> str:
        return f"https://{SERVER_NAME}:{self.ps_ports.console}/health"

    @property
    def option_file(self) -> Path:
        """The NRPE database check's MySQL option file. As root, NRPE's checks run as user
        `nagios`, which cannot enter a private lab folder: the file then lives in a folder of
        its own under /tmp (0700, owned by nagios), removed by shutdown()."""
        if os.geteuid() == 0:
            return Path(tempfile.gettempdir()) / f"{self.db.name}-nrpe" / "client.cnf"
        return self.dir / "secrets" / "db-client.cnf"

    def nrpe_setup(self) -> NrpeSetup:
        return NrpeSetup(self.dir, self.ps_ports.nrpe, self.ports.sip, self.ports.tls, self.ports.http,
                         self.ps_ports.console, self.db.name, self.option_file)

    # ---------- lifecycle ----------
    def prepare(self) -> None:
        super().prepare()  # folder, certificates, tls.cfg (self.db.create() below)
        self.db.write_kamailio_defines(self.dir / KAMAILIO_DB_DEFINES)
        self.db.write_client_option_file(self.option_file)

    def _launch(self) -> Launch:
        return PsLaunch(
            directory=self.dir, sip_port=self.ports.sip, tls_port=self.ports.tls, http_port=self.ports.http,
            db_path=self.dir / KAMAILIO_DB_DEFINES, tls_cfg=self.dir / "tls.cfg", domain=self.domain,
            defines=self.defines,
        )

    def start(self, timeout: float = 10.0) -> PrivateServerLab:
        """Start the SIP engine; the first start also creates the database, NRPE and console."""
        super().start(timeout)
        try:
            for attempt in range(3):
                console_log = _size(self.console.log_path)
                try:
                    self._start_daemons(timeout)
                    break
                except LabStartError:
                    # another process took a "free" port between our check and the daemon's bind
                    taken = self.nrpe_setup().bind_failed() or _bind_failed(self.console.log_path, console_log)
                    if self._fixed_ps_ports or attempt == 2 or not taken:
                        raise
                    self.nrpe.stop()
                    self.console.stop()
                    self.ps_ports = PsPorts.free(self.ports)
        except BaseException:
            self.shutdown()
            raise
        return self

    def _start_daemons(self, timeout: float) -> None:
        if not self.nrpe.running():
            setup = self.nrpe_setup()
            setup.write()
            self.nrpe.start(setup.command(), setup.listening, timeout)
        if not self.console.running():
            self.console.start(self._console_command(), self._console_ready, timeout)

    def _console_command(self) -> list[str]:
        cert = self.cert_dir / "good"
        return [sys.executable, "-m", "calltriage_lab.privateserver.console", "--port", str(self.ps_ports.console),
                "--cert", f"{cert}.pem", "--key", f"{cert}.key", "--jsonrpc", self.jsonrpc_url,
                "--db", self.db.name, "--option-file", str(self.option_file)]

    def _console_ready(self) -> bool:
        return "console listening" in self.console.log_path.read_text(errors="replace")

    def shutdown(self) -> None:
        """Stop the engine, NRPE and the console (the database stays)."""
        self.stop()
        self.nrpe.stop()
        self.console.stop()
        if self.option_file.parent.name.endswith("-nrpe"):
            shutil.rmtree(self.option_file.parent, ignore_errors=True)

    def cleanup(self) -> None:
        """Stop everything, drop the database and its users; remove a temporary folder."""
        self.shutdown()
        try:
            self.db.drop()
        finally:
            if self._own_dir:
                shutil.rmtree(self.dir, ignore_errors=True)

    def detach(self) -> int:
        pid = super().detach()
        self.nrpe.detach()
        self.console.detach()
        return pid

    @classmethod
    def attach_ps(cls, info: dict[str, Any]) -> PrivateServerLab:
        """A handle on a lab started by `calltriage lab up --backend privateserver` (lab.json)."""
        ports = LabPorts(**{k: int(v) for k, v in info["ports"].items() if k in ("sip", "tls", "http")})
        ps = info["privateserver"]
        lab = cls(Path(info["dir"]), ports=ports, database=ps["database"],
                  ps_ports=PsPorts(int(ps["nrpe_port"]), int(ps["console_port"])),
                  certificate=info.get("certificate", "good"), domain=info["domain"])
        lab.defines = tuple(info.get("defines", ()))
        lab._process = KamailioProcess.attach(lab._launch(), lab.log_path, int(info["pid"]))
        lab.nrpe = Daemon("nrpe", lab.dir / "nrpe.out", ps.get("nrpe_pid"))
        lab.console = Daemon("console", lab.dir / "console.log", ps.get("console_pid"))
        return lab

    # ---------- faults that differ on the appliance ----------
    def drop_registration(self, username: str) -> None:
        """The account's registration ends server-side (as if it expired): contacts removed and
        the SIP Sessions log says UNREGISTER (EXPIRED), as the appliance's expiry would."""
        had_contacts = bool(self.contacts(username))
        super().drop_registration(username)
        if had_contacts:
            self.db.record_session("UNREGISTER", username, "EXPIRED")


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _bind_failed(log: Path, offset: int) -> bool:
    """Whether the daemon's log, past ``offset``, says its port was taken."""
    if not log.exists():
        return False
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode(errors="replace").lower()
    return "address already in use" in text
