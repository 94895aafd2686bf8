"""docs/configuration.md covers every setting (docs/probes.md: tests/test_docs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.config import PrivateServerSettings, ProbeSettings, ServerConfig, ServiceAccount

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(
    "field",
    [*ServerConfig.model_fields, *ServiceAccount.model_fields, *ProbeSettings.model_fields,
     *PrivateServerSettings.model_fields],
)
def test_every_setting_is_in_docs_configuration(field):
    assert f"| `{field}` |" in (DOCS / "configuration.md").read_text()
