"""The PrivateServer lab: a lab appliance with the PrivateServer's documented interfaces (SQL
views on MariaDB, Nagios NRPE, an HTTPS console) around a real Kamailio. See docs/lab.md."""

from __future__ import annotations

from calltriage_lab.privateserver.server import PrivateServerLab, PsPorts

__all__ = ["PrivateServerLab", "PsPorts"]
