"""`calltriage playbook test|new|errors`: playbooks tested as data, scaffolds, the message catalogue.

Registered in ``cli/playbook.py`` (imported when one of them runs)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer

from calltriage.cli.common import JsonOpt, current, echo, emit_json
from calltriage.errors import CalltriageError, InvalidAnswer, NotFound
from calltriage.services.catalog import PlaybookCatalog, playbook_dirs
from calltriage.services.playbook_tests import companion, load_messages, test_all

ID_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def _catalog() -> PlaybookCatalog:
    return PlaybookCatalog(None, playbook_dirs(current().playbooks))


PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def _flow(value: object) -> str:
    """A scalar, mapping or list as one line of YAML flow style (quoted unless plainly safe)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, bool | int):
        return str(value).lower()
    text = str(value)
    if PLAIN.match(text) and text.lower() not in ("yes", "no", "on", "off", "true", "false", "null"):
        return text
    return json.dumps(text, ensure_ascii=False)


def cases_yaml(cases: list[dict[str, Any]]) -> str:
    """Cases in the compact layout of the shipped case files."""
    lines = []
    for case in cases:
        lines.append(f"  - name: {_flow(case['name'])}")
        lines.append("    steps:")
        for step in case["steps"]:
            ((node, answer),) = step.items()
            lines.append(f"      - {node}: {_flow(answer)}")
        lines.append(f"    expect: {_flow(case['expect'])}")
        lines.append("")
    return "\n".join(lines)


def test_(
    playbook_id: str = typer.Argument(None, help="One playbook (default: every playbook)."),
    draft: bool = typer.Option(False, "--draft", help="Print draft cases (YAML) for the outcomes no case takes."),
    json_out: bool = JsonOpt,
) -> None:
    """Run the playbooks' case files (<id>.cases.yaml); report failures and outcomes no case takes."""
    report = test_all(_catalog(), playbook_id, draft=draft)
    if json_out:
        emit_json(report)
    else:
        for pb in report["playbooks"]:
            passed = sum(c["ok"] for c in pb["cases"])
            if pb["ok"]:
                echo(f"ok  {pb['playbook']}: {passed} case(s), every outcome covered")
            else:
                echo(f"FAIL {pb['playbook']}: {passed}/{len(pb['cases'])} case(s) pass, "
                     f"{len(pb['uncovered'])} outcome(s) uncovered")
                for problem in pb["problems"]:
                    typer.echo(f"  {problem}", err=True)
            if pb.get("drafts"):
                echo(f"# drafts for {pb['cases_file']}: check each expect before keeping it")
                echo(cases_yaml(pb["drafts"]))
        for problem in report["family"]:
            typer.echo(problem, err=True)
    if not report["ok"]:
        bad = sum(not p["ok"] for p in report["playbooks"]) + (1 if report["family"] else 0)
        raise CalltriageError(f"{bad} playbook test(s) failed: fix the cases or the playbooks listed above")


SCAFFOLD = """\
# {title}: the support procedure this playbook encodes. Say where it comes from; mark the steps
# the source does not state as inferred in their help.
schema: 1
id: {id}
title: "{title}"
start: {short}.first_check
description: >
  Who reports what, and what this procedure establishes.

nodes:
  - id: {short}.first_check
    kind: question
    level: 1
    prompt: What does the operator establish first?
    help: Where the step comes from (or "Inferred step:" and why).
    outcomes:
      solved: {{next: close.solved, label: "Solved"}}
      not-solved: {{next: close.not_an_issue, label: "Not an issue"}}

  - id: close.solved
    kind: close
    level: 1
    prompt: Solved; close.
    resolution: solved
    category: misconfiguration

  - id: close.not_an_issue
    kind: close
    level: 1
    prompt: Nothing wrong on our side; close.
    resolution: not-an-issue
    category: not-an-issue
"""

SCAFFOLD_CASES = """\
# Cases for {id}: steps in, expected end out (`calltriage playbook test {id}`).
# A step is `- node: outcome` (the operator's answer) or `- node: {{probe: ok|warn|fail|error}}`.
schema: 1
playbook: {id}
cases:
  - name: solved at the first check
    steps:
      - {short}.first_check: solved
    expect: {{status: closed, resolution: solved, level: 1}}

  - name: not an issue
    steps:
      - {short}.first_check: not-solved
    expect: {{status: closed, resolution: not-an-issue, category: not-an-issue, level: 1}}
"""


def new(
    playbook_id: str = typer.Argument(..., help="The new playbook's id (lowercase words joined by dashes)."),
    title: str = typer.Option(None, "--title", help="Its title (default: from the id)."),
    json_out: bool = JsonOpt,
) -> None:
    """Scaffold a valid playbook and its case file in the playbook folder."""
    if not ID_RE.match(playbook_id):
        raise InvalidAnswer(f"playbook id {playbook_id!r} is not lowercase words joined by dashes: "
                            "use e.g. 'user-cant-send-messages'")
    folder = playbook_dirs(current().playbooks)[0]
    if not folder.is_dir():
        raise NotFound(f"playbook folder {folder} does not exist: create it or pass --playbooks")
    path, cases = folder / f"{playbook_id}.yaml", folder / f"{playbook_id}.cases.yaml"
    for existing in (path, cases):
        if existing.exists():
            raise InvalidAnswer(f"{existing} already exists: choose another id or edit that file")
    values = {"id": playbook_id, "title": title or playbook_id.replace("-", " ").capitalize(),
              "short": "".join(w[0] for w in playbook_id.split("-"))}
    path.write_text(SCAFFOLD.format(**values), encoding="utf-8")
    cases.write_text(SCAFFOLD_CASES.format(**values), encoding="utf-8")
    if json_out:
        emit_json({"playbook": str(path), "cases": str(cases)})
        return
    echo(f"Wrote {path} and {cases}.")
    echo(f"Next: edit them, then `calltriage playbook validate {path}` and `calltriage playbook test {playbook_id}`.")


def errors(
    message: str = typer.Argument(None, help="The app's exact message (default: list the catalogue)."),
    playbook_id: str = typer.Option("specific-error", "--playbook", help="The playbook whose catalogue to read."),
    json_out: bool = JsonOpt,
) -> None:
    """Look an app's error message up in the error-message catalogue (or list it)."""
    spec = _catalog().current(playbook_id)
    path = companion(spec, "messages")
    if not path.is_file():
        raise NotFound(f"{playbook_id} has no message catalogue ({path}): use --playbook specific-error")
    catalogue = load_messages(Path(path))
    entries = list(catalogue.entries)
    if message is not None:
        found = catalogue.lookup(message)
        entries = [found] if found else []
    rows = [{"id": e.id, "match": list(e.match), "outcome": e.outcome,
             "label": spec.node(catalogue.node).outcomes[e.outcome].label if e.outcome in
             spec.node(catalogue.node).outcomes else "", "instruction": e.instruction, "source": e.source}
            for e in entries]
    if json_out:
        emit_json({"playbook": spec.id, "node": catalogue.node, "message": message, "entries": rows})
        return
    if message is not None and not rows:
        echo(f"Not in the catalogue: answer {catalogue.node} with 'unknown' (level 2 explains it, then add it).")
        return
    for row in rows:
        echo(f"{row['id']}: answer {catalogue.node} with {row['outcome']!r} ({row['label']}). {row['instruction']}"
             + (f" [{row['source']}]" if row["source"] else ""))
