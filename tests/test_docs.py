"""Docs that cannot rot: every command, node kind, probe and setting is documented."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from calltriage.cli.main import app
from calltriage.domain.model import NodeKind
from calltriage.probes.registry import known_probe_names

ROOT = Path(__file__).resolve().parents[1]


def commands() -> list[str]:
    found: list[str] = []

    def walk(command: object, prefix: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk(sub, [*prefix, name])
        else:
            found.append(" ".join(prefix))

    walk(get_command(app), ["calltriage"])
    return found


def test_every_cli_command_is_in_the_cli_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    missing = [c for c in commands() if f"`{c}`" not in text]
    assert missing == []


def test_every_node_kind_is_in_the_playbook_docs() -> None:
    text = (ROOT / "docs" / "playbooks.md").read_text()
    assert [k.value for k in NodeKind if f"`{k.value}`" not in text] == []


def test_every_probe_has_a_section_in_the_probe_docs() -> None:
    # The one check of docs/probes.md: a section per probe (the client-log probe is documented
    # in docs/clientlog.md and listed in the probe table).
    text = (ROOT / "docs" / "probes.md").read_text()
    sections = {n for n in known_probe_names() if f"### `{n}`" in text}
    assert sorted(known_probe_names() - sections) == ["clientlog.analysis"]
    assert "| `clientlog.analysis` |" in text


def test_the_readme_shows_the_two_commands_and_the_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
