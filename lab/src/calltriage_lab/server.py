"""`KamailioLab`: a private Kamailio instance in a folder of its own, on free loopback ports.

    with KamailioLab() as lab:
        lab.add_account("alice", "alice-pw", "+15550001")
        lab.rpc("ul.dump")

Everything the instance owns lives in `directory`: lab.sqlite, certs/, tls.cfg, run/,
kamailio.log. A temporary directory is removed on cleanup(); a given one is kept.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from calltriage_lab import rpc
from calltriage_lab.certs import CERT_KINDS, SERVER_NAME, make_certificates
from calltriage_lab.db import DOMAIN, LabDB
from calltriage_lab.errors import LabError, LabStartError
from calltriage_lab.faults import FaultsMixin
from calltriage_lab.ports import distinct_ports
from calltriage_lab.process import KamailioProcess, Launch


@dataclass(frozen=True)
class LabPorts:
    sip: int  # UDP and TCP
    tls: int
    http: int  # JSON-RPC over HTTP, path /RPC

    @classmethod
    def free(cls) -> LabPorts:
        sip, tls, http = distinct_ports(3)
        return cls(sip, tls, http)


class KamailioLab(FaultsMixin):
    """One private lab instance; see docs/lab.md for the API and the fault catalogue."""

    def __init__(
        self,
        directory: Path | str | None = None,
        *,
        ports: LabPorts | None = None,
        domain: str = DOMAIN,
        certificate: str = "good",
        auth_fail_403: bool = False,
        alias_fork: bool = False,
        debug: bool = False,
        enrichments: bool = True,
        tls_only: bool = False,
    ) -> None:
        self._own_dir = directory is None
        self.dir = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="calltriage-lab-"))
        self.dir = self.dir.resolve()
        self._fixed_ports = ports is not None
        self.ports = ports or LabPorts.free()
        self.domain = domain
        self.certificate = certificate
        # enrichments=False: a stock Kamailio (stock schema and acc settings, no provisioning)
        self.defines = tuple(
            name for name, on in (("AUTH_FAIL_403", auth_fail_403), ("ALIAS_FORK", alias_fork),
                                  ("WITH_DEBUG", debug), ("LAB_ENRICHMENTS", enrichments),
                                  ("TLS_ONLY", tls_only and enrichments)) if on
        )
        self.db = LabDB(self.dir / "lab.sqlite", domain, enrichments)
        self.cert_dir = self.dir / "certs"
        self.log_path = self.dir / "kamailio.log"
        self.startup_s: float | None = None
        self._process: KamailioProcess | None = None

    # ---------- paths and addresses ----------
    @property
    def ca_file(self) -> Path:
        return self.cert_dir / "ca.pem"

    @property
    def sip_port(self) -> int:
        return self.ports.sip

    @property
    def tls_port(self) -> int:
        return self.ports.tls

    @property
    def http_port(self) -> int:
        return self.ports.http

    @property
    def jsonrpc_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.http}/RPC"

    @property
    def server_name(self) -> str:
        return SERVER_NAME

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.running()

    # ---------- lifecycle ----------
    def prepare(self) -> None:
        """Create the folder, DB, certificates and tls.cfg (idempotent; start() calls it)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.db.create()
        if not self.ca_file.exists():
            make_certificates(self.cert_dir)
        self._write_tls_cfg()

    def _write_tls_cfg(self) -> None:
        if self.certificate not in CERT_KINDS:
            raise LabError(f"unknown certificate {self.certificate!r}: use one of {', '.join(CERT_KINDS)}")
        template = resources.files("calltriage_lab").joinpath("tls.cfg").read_text()
        text = (
            template.replace("@CERT@", str(self.cert_dir / f"{self.certificate}.pem"))
            .replace("@KEY@", str(self.cert_dir / f"{self.certificate}.key"))
            .replace("@CA@", str(self.ca_file))
        )
        (self.dir / "tls.cfg").write_text(text)

    def _launch(self) -> Launch:
        return Launch(
            directory=self.dir, sip_port=self.ports.sip, tls_port=self.ports.tls,
            http_port=self.ports.http, db_path=self.db.path, tls_cfg=self.dir / "tls.cfg",
            domain=self.domain, defines=self.defines,
        )

    def start(self, timeout: float = 10.0) -> KamailioLab:
        if self.running():
            return self
        self.prepare()
        for attempt in range(3):
            offset = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._process = KamailioProcess(self._launch(), self.log_path)
            try:
                self.startup_s = self._process.start(timeout)
                return self
            except LabStartError:
                # another process grabbed a "free" port between our check and Kamailio's bind
                if self._fixed_ports or attempt == 2 or not self._process.bind_failed(offset):
                    raise
                self.ports = LabPorts.free()
        raise AssertionError("unreachable")

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()

    def detach(self) -> int:
        """Leave Kamailio running when this Python process exits (`calltriage lab up`)."""
        if self._process is None or not self._process.running():
            raise LabError("the lab is not running: nothing to detach")
        self._own_dir = False  # a detached lab's folder must survive cleanup()
        return self._process.detach()

    @classmethod
    def attach(cls, directory: Path, *, pid: int, ports: LabPorts, certificate: str = "good",
               domain: str = DOMAIN, defines: tuple[str, ...] = ()) -> KamailioLab:
        """A handle on a lab started by another process (its folder and PID from lab.json)."""
        lab = cls(directory, ports=ports, domain=domain, certificate=certificate,
                  enrichments="LAB_ENRICHMENTS" in defines)
        lab.defines = defines
        lab._process = KamailioProcess.attach(lab._launch(), lab.log_path, pid)
        return lab

    @property
    def enrichments(self) -> bool:
        """False when the lab presents a stock Kamailio (no lab-only tables or columns)."""
        return self.db.enrichments

    def restart(self, timeout: float = 10.0) -> KamailioLab:
        """Stop and start on the same ports (registrations are lost: usrloc is in memory)."""
        self.stop()
        self._process = None
        return self.start(timeout)

    def cleanup(self) -> None:
        """Stop (with the lab's devices and client networks); remove the folder when the lab created
        it. Safe to call twice."""
        from calltriage_lab.device import stop_all
        from calltriage_lab.netcmd import sweep_lab

        stop_all(self.dir)
        sweep_lab(self.dir)
        self.stop()
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> KamailioLab:
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    # ---------- control interface ----------
    def rpc(self, method: str, *params: Any, timeout: float = 5.0) -> Any:
        """JSON-RPC ``result``; raises calltriage_lab.RpcError / OSError (see rpc.call)."""
        return rpc.call(self.jsonrpc_url, method, *params, timeout=timeout)

    def contacts(self, username: str) -> list[dict[str, Any]]:
        """usrloc contacts of an account ([] when none), as `ul.lookup` describes them."""
        try:
            result = self.rpc("ul.lookup", "location", username)
        except rpc.RpcError:
            # "AOR not found in location table" (never/long ago) or "AOR has no contacts" (expired)
            return []
        return [c["Contact"] for c in result.get("Contacts", [])]

    def statistics(self) -> dict[str, str]:
        rows = self.rpc("stats.get_statistics", "all")
        return dict(row.split(" = ", 1) for row in rows)

    def log_lines(self, *words: str) -> list[str]:
        """Lines of kamailio.log containing any of ``words`` (all lines when none given)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if not words or any(w in line for w in words)]

    def tls_check(self, server_hostname: str = SERVER_NAME, timeout: float = 3.0) -> dict[str, Any]:
        """One verified TLS handshake with Python's ssl (never run these in parallel: concurrent
        handshakes corrupt memory in Debian's Kamailio 5.6.3)."""
        ctx = ssl.create_default_context(cafile=str(self.ca_file))
        try:
            with (
                socket.create_connection(("127.0.0.1", self.ports.tls), timeout=timeout) as raw,
                ctx.wrap_socket(raw, server_hostname=server_hostname) as tls,
            ):
                return {"ok": True, "version": tls.version()}
        except ssl.SSLCertVerificationError as exc:
            return {"ok": False, "verify_code": exc.verify_code, "verify_message": exc.verify_message}
        except (OSError, ssl.SSLError) as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    # ---------- provisioning (delegates to LabDB; live at once) ----------
    def add_account(self, username: str, password: str, number: str | None = None, **fields: Any) -> None:
        fields.setdefault("port", self.ports.tls)
        self.db.add_account(username, password, number, **fields)

    def add_alias(self, number: str, username: str) -> None:
        self.db.add_alias(number, username)

    def remove_account(self, username: str) -> None:
        self.db.remove_account(username)

    def set_password(self, username: str, password: str) -> None:
        self.db.set_password(username, password)

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        self.db.set_disabled(username, disabled)
