"""A real SIP lab on loopback: private Kamailio instances, simulated app users, fault injection.

See docs/lab.md. Importing this package starts nothing; `KamailioLab(...).start()` does.
"""

from __future__ import annotations

from calltriage.lab.db import AccRow, LabDB
from calltriage.lab.errors import AgentError, LabComponentMissing, LabError, LabStartError
from calltriage.lab.rpc import RpcError
from calltriage.lab.server import KamailioLab, LabPorts

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
