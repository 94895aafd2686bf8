"""On a stock Kamailio (no REGISTER outcomes accounted), a refused REGISTER leaves no trace: the
reconnection check must not read that silence as "the app did not reconnect"."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from calltriage.domain.model import ProbeStatus
from calltriage.probes.base import Party, ProbeContext
from calltriage.probes.runner import ProbeRunner
from tests.probes.conftest import settings_for
from tests.probes.helpers import register

pytestmark = pytest.mark.lab


def test_a_refused_register_on_a_stock_kamailio_is_could_not_tell_never_a_failure(lab_factory: Any) -> None:
    lab = lab_factory(enrichments=False)
    settings = settings_for(lab)
    ctx = ProbeContext(Party("caller", "alice"), Party("callee", "bob"), settings, since=datetime.now(UTC), wait=1.5)
    # the app did reconnect: its REGISTER reached the server and was refused (wrong password)
    assert register(lab, "alice", "tls", password="not-the-password").code in (401, 403)
    with ProbeRunner() as runner:
        result = runner.run("registrar.reconnection", ctx, {"account": "caller"})
    assert result.status is ProbeStatus.ERROR, result.summary
    assert "could not tell" in result.summary and "does not record refused REGISTERs" in result.summary
    assert result.evidence["sees_refusals"] is False
