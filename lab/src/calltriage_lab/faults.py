"""Fault injection on a running lab: one method per "user can't call" scenario.

Client-side faults (caller offline, device gone, wrong password in the app, old client version,
a callee app that rejects calls) are produced with the simulated users in
calltriage_lab.agents; the transient network fault with calltriage_lab.relay.FlakyLink.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from calltriage_lab.certs import CERT_KINDS
from calltriage_lab.errors import LabError

if TYPE_CHECKING:
    from calltriage_lab.db import LabDB
    from calltriage_lab.process import KamailioProcess


class FaultsMixin:
    """Mixed into KamailioLab."""

    dir: Path
    db: LabDB
    certificate: str
    _process: KamailioProcess | None

    if TYPE_CHECKING:

        def restart(self, timeout: float = 10.0) -> Any: ...
        def rpc(self, method: str, *params: Any, timeout: float = 5.0) -> Any: ...
        def _write_tls_cfg(self) -> None: ...

    def _running_process(self) -> KamailioProcess:
        if self._process is None or not self._process.running():
            raise LabError("the lab is not running: start it first (`calltriage lab up`)")
        return self._process

    def freeze(self) -> None:
        """SIGSTOP the server tree: ports stay bound, TCP connects still succeed (kernel backlog),
        nothing answers (SIP nor JSON-RPC) until thaw()."""
        self._running_process().freeze()

    def thaw(self) -> None:
        self._running_process().thaw()

    @property
    def frozen(self) -> bool:
        return self._process is not None and self._process.frozen

    def swap_certificate(self, kind: str, *, restart: bool = True) -> None:
        """Present the 'good', 'expired' or 'wronghost' server certificate from now on.

        restart=True restarts Kamailio (registrations are lost, like a real server restart);
        restart=False uses the `tls.reload` RPC and keeps the registrations."""
        if kind not in CERT_KINDS:
            raise LabError(f"unknown certificate {kind!r}: use one of {', '.join(CERT_KINDS)}")
        self.certificate = kind
        self._write_tls_cfg()
        if restart:
            self.restart()
        else:
            self.rpc("tls.reload")

    def break_database(self) -> None:
        """The accounts DB becomes unavailable: every REGISTER/INVITE digest check fails (the app
        sees 401/407, exactly like a wrong password), kamailio.log says `failed to query
        database`, acc rows carry auth_result='db-error'. restore_database() heals it."""
        self.db.break_database()

    def restore_database(self) -> None:
        self.db.restore_database()

    def duplicate_number(self, number: str, username: str) -> None:
        """Assign ``number`` also to ``username``: the number now routes to two accounts
        (Kamailio only rings the first row; with alias_fork=True both ring)."""
        self.db.add_alias(number, username)

    def drop_registration(self, username: str) -> None:
        """Remove an account's contacts server-side (as if its registration had expired)."""
        try:
            self.rpc("ul.rm", "location", username)
        except Exception as exc:  # "AOR not found" is fine: nothing to drop
            if "not found" not in str(exc).lower():
                raise
