"""docs/probes.md and docs/configuration.md cover every probe and every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.config import PrivateServerSettings, ProbeSettings, ServerConfig, ServiceAccount
from calltriage.probes.registry import known_probe_names

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", sorted(known_probe_names() - {"clientlog.analysis"}))
def test_every_probe_has_a_section_in_docs_probes(name):
    assert f"### `{name}`" in (DOCS / "probes.md").read_text()


@pytest.mark.parametrize(
    "field",
    [*ServerConfig.model_fields, *ServiceAccount.model_fields, *ProbeSettings.model_fields,
     *PrivateServerSettings.model_fields],
)
def test_every_setting_is_in_docs_configuration(field):
    assert f"| `{field}` |" in (DOCS / "configuration.md").read_text()
