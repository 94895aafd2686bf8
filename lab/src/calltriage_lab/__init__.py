"""A real SIP lab on loopback: private Kamailio instances, simulated app users, fault injection.

See docs/lab.md. Importing this package starts nothing; `KamailioLab(...).start()` does.
"""

from __future__ import annotations

from calltriage_lab.db import AccRow, LabDB
from calltriage_lab.errors import AgentError, LabComponentMissing, LabError, LabStartError
from calltriage_lab.rpc import RpcError
from calltriage_lab.server import KamailioLab, LabPorts

__all__ = [
    "AccRow",
    "AgentError",
    "KamailioLab",
    "LabComponentMissing",
    "LabDB",
    "LabError",
    "LabPorts",
    "LabStartError",
    "RpcError",
]
