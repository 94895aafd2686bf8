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
