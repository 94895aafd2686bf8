"""The probe contract: one small check per question, registered by name.

A probe answers one question about the SIP server and returns a ``ProbeResult``
(``ok | warn | fail | error`` + plain summary + evidence + duration). It raises nothing for
"the server is broken" (that is a ``fail`` verdict); a probe that *cannot run* (no
configuration, the server port says "cannot tell"...) returns ``error`` with a plain reason, and
the playbook node falls back to a question for the operator. Which outcome a status means is the
playbook's ``verdicts:`` mapping, never the probe's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from calltriage.domain.model import ProbeResult

if TYPE_CHECKING:
    from calltriage.config import ServerSettings


@dataclass(frozen=True, slots=True)
class Party:
    """One side of an incident as the operator typed it: a username or a virtual number."""

    role: str  # "caller" | "callee"
    ident: str


@dataclass(frozen=True, slots=True)
class ProbeContext:
    """Everything a probe may know about the incident it examines."""

    caller: Party
    callee: Party
    server: ServerSettings | None
    # The moment the operator asked the user to act (reconnect, place a test call); watch
    # probes look for server-side evidence after it.
    since: datetime | None = None
    # How long a watch probe may wait for the user's action, in seconds.
    wait: float = 0.0
    # Attachment texts etc. the services layer hands to log probes.
    extras: Mapping[str, Any] = field(default_factory=dict)


class Probe(Protocol):
    name: ClassVar[str]
    title: ClassVar[str]
    # Parameter names the playbook may pass with ``with:`` (values are party roles or literals).
    params: ClassVar[tuple[str, ...]]

    async def run(self, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult: ...
