"""docs/backends.md covers every backend and every question of the server port."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.backends.port import QUESTIONS
from calltriage.backends.registry import known_backends

DOC = (Path(__file__).resolve().parents[2] / "docs" / "backends.md").read_text()


@pytest.mark.parametrize("name", known_backends())
def test_every_backend_has_a_section(name: str) -> None:
    assert f"## Backend `{name}`" in DOC


@pytest.mark.parametrize("question", [*QUESTIONS, "app_requirements", "numbers_of"])
def test_every_port_question_is_documented(question: str) -> None:
    assert f"`{question}(" in DOC or f"| `{question}` |" in DOC


def test_the_connection_examples_are_valid_configurations(tmp_path: Path) -> None:
    """The `[server]` examples for a real Kamailio and an appliance load as written (their files
    moved under tmp_path), with the backend they name."""
    import re

    from calltriage.config import load_server_settings

    for name in ("ca.pem", "db-password", "svc-a"):
        (tmp_path / name).write_text("x\n")
    examples = re.findall(r"```toml\n(.*?)```", DOC, re.S)
    assert len(examples) == 2
    backends = []
    for i, text in enumerate(examples):
        path = tmp_path / f"example{i}.toml"
        path.write_text(text.replace("/etc/calltriage/", f"{tmp_path}/"))
        settings = load_server_settings(path)
        backends.append(settings.server.backend)
        assert settings.server.accounts_db_password is not None
    assert backends == ["kamailio", "privateserver"]
