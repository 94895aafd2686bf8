"""`calltriage playbook …`: list, validate, show, render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from calltriage.cli.common import JsonOpt, app_for, current, echo, emit_json
from calltriage.cli.lazy import Lazy, lazy_group
from calltriage.engine.loader import load_playbook
from calltriage.engine.render import family_to_dot, family_to_mermaid, to_dot, to_mermaid
from calltriage.errors import CalltriageError, PlaybookError
from calltriage.services.catalog import PlaybookCatalog, known_probes, playbook_dirs
from calltriage.services.spec_cache import SpecCache

# Authoring commands live in cli/authoring.py, imported when they run.
app = typer.Typer(no_args_is_help=True, cls=lazy_group({
    "test": Lazy("calltriage.cli.authoring:test_"),
    "new": Lazy("calltriage.cli.authoring:new"),
    "errors": Lazy("calltriage.cli.authoring:errors"),
}))


def _catalog() -> PlaybookCatalog:
    settings = current()
    return PlaybookCatalog(None, playbook_dirs(settings.playbooks), cache=SpecCache(settings.cache_dir))


@app.command("list")
def list_(json_out: bool = JsonOpt) -> None:
    """List the playbooks in the playbook folder."""
    specs = _catalog().all()
    rows = [{"id": s.id, "title": s.title, "version": s.version, "nodes": len(s.nodes), "path": s.path}
            for s in specs]
    if json_out:
        emit_json(rows)
        return
    for row in rows:
        echo(f"{row['id']:<36} {row['version']}  {row['nodes']:>3} nodes  {row['title']}")


@app.command()
def validate(
    paths: list[Path] = typer.Argument(None, help="Files to validate (default: every playbook)."),
    json_out: bool = JsonOpt,
) -> None:
    """Validate playbooks; print every problem with file, line, node, field and a fix."""
    catalog = _catalog()
    files = list(paths) if paths else catalog.files()
    ids = [p.stem for p in catalog.files()] if not paths else [p.stem for p in files] + catalog.ids()
    results: list[dict[str, Any]] = []
    for path in files:
        try:
            spec = load_playbook(path, known_probes(), known_playbooks=ids)
            results.append({"path": str(path), "id": spec.id, "version": spec.version, "valid": True,
                            "problems": []})
        except PlaybookError as exc:
            results.append({"path": str(path), "valid": False, "problems": exc.problems})
    if json_out:
        emit_json(results)
    else:
        for result in results:
            if result["valid"]:
                echo(f"ok  {result['path']} ({result['id']}@{result['version']})")
            else:
                for problem in result["problems"]:
                    typer.echo(problem, err=True)
    if not all(r["valid"] for r in results):
        bad = sum(not r["valid"] for r in results)
        raise CalltriageError(f"{bad} playbook(s) invalid: fix the problems listed above")


@app.command()
def show(playbook_id: str = typer.Argument(...), json_out: bool = JsonOpt) -> None:
    """Show a playbook's nodes, outcomes and entries."""
    spec = _catalog().current(playbook_id)
    nodes: list[dict[str, Any]] = [
             {"id": n.id, "kind": n.kind.value, "level": n.level, "prompt": n.prompt, "help": n.help,
              "outcomes": {k: o.next for k, o in n.outcomes.items()}, "probe": n.probe,
              "resolution": n.resolution, "category": n.category, "request": n.request,
              "to_level": n.to_level, "playbook": n.playbook} for n in spec.nodes.values()]
    data = {"id": spec.id, "title": spec.title, "version": spec.version, "start": spec.start,
            "entries": dict(spec.entries), "external": {k: v.title for k, v in spec.external.items()},
            "nodes": nodes}
    if json_out:
        emit_json(data)
        return
    echo(f"{spec.title} ({spec.id}@{spec.version}), starts at {spec.start}")
    for node in nodes:
        arrows = ", ".join(f"{k} → {v}" for k, v in node["outcomes"].items())
        extra = node["resolution"] or node["request"] or node["playbook"] or node["probe"] or ""
        echo(f"  L{node['level']} {node['kind']:<9} {node['id']:<42} {extra} {arrows}")


@app.command()
def render(
    playbook_id: str = typer.Argument(...),
    fmt: str = typer.Option("mermaid", "--format", help="mermaid or dot."),
    incident: int = typer.Option(None, "--incident", help="Highlight the path this incident took."),
    json_out: bool = JsonOpt,
) -> None:
    """Draw a playbook (Mermaid or Graphviz DOT); with --incident, every playbook it walked and its path."""
    if fmt not in ("mermaid", "dot"):
        raise CalltriageError(f"unknown format {fmt!r}: use mermaid or dot")
    path: list[str] = []
    walked: list[dict[str, Any]] = []
    if incident is not None:
        app_ = app_for()
        view = app_.incidents.get(incident)
        parts = app_.incidents.walked(view)
        ids = [p.id for p, _ in parts]
        if playbook_id not in ids:
            raise CalltriageError(f"incident {incident} ran {', '.join(ids)}, not {playbook_id}: render {ids[-1]}")
        spec, path, walked = parts[-1][0], view["path"], view["playbooks"]
        text = family_to_mermaid(parts) if fmt == "mermaid" else family_to_dot(parts)
    else:
        spec = _catalog().current(playbook_id)
        text = to_mermaid(spec, path) if fmt == "mermaid" else to_dot(spec, path)
    if json_out:
        emit_json({"playbook": spec.id, "version": spec.version, "format": fmt, "path": path, "playbooks": walked,
                   "text": text})
    else:
        typer.echo(text, nl=False)
