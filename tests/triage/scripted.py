"""A scripted probe runner for tests of the triage service's decisions (pure logic: what the
service does with a verdict). Real probes against the real lab are in tests/scenarios."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.probes.base import ProbeContext

Script = Callable[[ProbeContext], tuple[ProbeStatus, str]]


@dataclass
class ScriptedRunner:
    """Answers each probe from ``script`` (probe name -> verdict); unknown probes cannot run."""

    script: dict[str, Script | list[Script]]
    calls: list[tuple[str, ProbeContext]] = field(default_factory=list)

    def run(self, name: str, ctx: ProbeContext, params: Mapping[str, Any] | None = None) -> ProbeResult:
        self.calls.append((name, ctx))
        entry = self.script.get(name)
        if isinstance(entry, list):
            entry = entry.pop(0) if len(entry) > 1 else entry[0]
        if entry is None:
            return ProbeResult(name, ProbeStatus.ERROR, f"{name} is not scripted")
        status, summary = entry(ctx)
        return ProbeResult(name, status, summary, {"scripted": True}, 0.01)

    def close(self) -> None:
        pass


def says(status: ProbeStatus, summary: str) -> Script:
    return lambda ctx: (status, summary)


def silence(what: str) -> Script:
    return lambda ctx: (ProbeStatus.SILENT, f"no evidence yet: no {what} within {ctx.wait:g} s")


OK, FAIL, SILENT = ProbeStatus.OK, ProbeStatus.FAIL, ProbeStatus.SILENT

# A healthy caller up to the watch steps: every check before them decides from the server.
HEALTHY: dict[str, Script | list[Script]] = {
    "client.version": says(OK, "client 'PrivateGSM/3.4.1' meets the minimum 3.0"),
    "registrar.registration": says(OK, "alice is registered over TLS"),
}
