"""What a check shows from the server port's evidence, on every backend's world."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from calltriage.domain.model import ProbeStatus
from calltriage.probes.base import Party, ProbeContext
from calltriage.probes.runner import ProbeRunner
from tests.probes.helpers import register

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("backend", ["kamailio", "privateserver"])
def test_the_registration_summary_names_the_freshest_contact_not_a_stale_one(
    backend: str, lab_factory: Any
) -> None:
    from tests.probes.conftest import settings_for

    lab = lab_factory(backend=backend)
    # an old connection still listed with little time left, then the app's fresh registration
    assert register(lab, "alice", "tls", expires=40).code == 200
    assert register(lab, "alice", "tls", expires=300).code == 200
    ctx = ProbeContext(Party("caller", "alice"), Party("callee", "bob"), settings_for(lab), since=datetime.now(UTC))
    with ProbeRunner() as runner:
        result = runner.run("registrar.registration", ctx, {"account": "caller"})
    assert result.status is ProbeStatus.OK
    assert "+1 more contact(s)" in result.summary
    left = int(result.summary.split("expires in ")[1].split(" s")[0])
    assert left > 40, result.summary
