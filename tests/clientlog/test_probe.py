"""The `clientlog.analysis` probe answers the seed's "check the client logs" from an attached log."""

from __future__ import annotations

import asyncio
from pathlib import Path

from calltriage.clientlog import analyze
from calltriage.domain.model import ProbeStatus
from calltriage.probes.base import Party, ProbeContext
from calltriage.probes.registry import get_probe

DATA = Path(__file__).parent / "data"


def run(extras: dict) -> object:
    ctx = ProbeContext(Party("caller", "alice"), Party("callee", "bob"), None, extras=extras)
    return asyncio.run(get_probe("clientlog.analysis").run(ctx, {"account": "caller"}))


def test_without_an_attached_log_it_cannot_run_and_says_what_to_attach() -> None:
    result = run({})
    assert result.status is ProbeStatus.ERROR
    assert "no client log attached" in result.summary and "incident attach" in result.summary


def test_a_log_with_a_known_failure_ranks_its_cause_with_the_supporting_lines() -> None:
    text = next(p for p in sorted(DATA.glob("*.log")) if "wrong" in p.name or "401" in p.name).read_text()
    result = run({"client_log": {"attachment": {"id": 7, "filename": "app.log"}, "text": text}})
    assert result.status is ProbeStatus.WARN
    assert result.evidence["top_cause"] == "wrong-credentials"
    top = result.evidence["findings"][0]
    assert top["evidence"] and all("line" in e and "text" in e for e in top["evidence"])
    assert result.evidence["attachment"] == {"id": 7, "filename": "app.log"}


def test_a_precomputed_analysis_is_used_as_is() -> None:
    analysis = analyze("nothing SIP here\n").to_dict()
    result = run({"client_log": {"attachment": {"id": 1}, "analysis": analysis}})
    assert result.status is ProbeStatus.OK
    assert result.summary == analysis["summary"]
