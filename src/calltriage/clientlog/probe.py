"""`clientlog.analysis`: analyse the client log attached to the incident (the seed's "check the client logs").

The services layer hands the latest attached log (redacted at upload) in ``ctx.extras["client_log"]``
as ``{"attachment": {...}, "analysis": Analysis.to_dict()}`` (analysed once per attachment), or as
``{"attachment": {...}, "text": str}``. Without one the probe cannot run: the step stays a question
and the operator is asked to attach the app's log.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from calltriage.clientlog.analysis import analyze
from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.probes.base import ProbeContext

MAX_EVIDENCE_FINDINGS = 5


class ClientLogProbe:
    name: ClassVar[str] = "clientlog.analysis"
    title: ClassVar[str] = "What does the client's own log say?"
    params: ClassVar[tuple[str, ...]] = ("account",)

    async def run(self, ctx: ProbeContext, params: Mapping[str, Any]) -> ProbeResult:
        started = time.perf_counter()
        log = ctx.extras.get("client_log") if ctx.extras else None
        if not log or not (log.get("analysis") or log.get("text")):
            return ProbeResult(self.name, ProbeStatus.ERROR,
                               "no client log attached: ask the user to export the app's log and attach it "
                               "(calltriage incident attach ID FILE)", {}, time.perf_counter() - started)
        data = log.get("analysis")
        if data is None:
            # Parsing a large log is CPU work: keep the probes' event loop responsive.
            data = (await asyncio.to_thread(analyze, str(log["text"]))).to_dict()
        findings = data["findings"][:MAX_EVIDENCE_FINDINGS]
        evidence = {
            "attachment": log.get("attachment") or {},
            "format": data["format"],
            "messages": data["messages"],
            "top_cause": data["top_cause"],
            "findings": findings,
            "transactions": {"total": data["transactions"]["total"], "by_method": data["transactions"]["by_method"]},
        }
        # A log with a recognised failure pattern is a finding (warn); a clean log is ok. Either way
        # the log was collected, which is what the seed's step establishes.
        status = ProbeStatus.WARN if findings else ProbeStatus.OK
        return ProbeResult(self.name, status, str(data["summary"]), evidence, time.perf_counter() - started)
