"""A short command imports only what it uses, and the playbook cache never changes an answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from calltriage.engine.compiled import spec_from_data, spec_to_data
from calltriage.engine.loader import load_playbook
from calltriage.services.spec_cache import SpecCache, file_key
from tests.cli_runner import cli

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "playbooks" / "user-cant-call-professional.yaml"
HEAVY = ("fastapi", "starlette", "uvicorn", "calltriage.web", "calltriage.probes", "calltriage_lab",
         "sqlalchemy.orm", "ruamel", "pydantic", "httpx", "jinja2")


def modules_after(args: list[str], env: dict[str, str]) -> set[str]:
    """Run the CLI in a fresh interpreter and list every module it imported."""
    code = ("import sys, io, contextlib\n"
            f"sys.argv = {['calltriage', *args]!r}\n"
            "from calltriage.cli.main import run\n"
            "try:\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            "        run()\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            "print('\\n'.join(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_incident_next_imports_neither_the_web_stack_nor_the_probes_nor_the_orm(sqlite_db_url: str,
                                                                                tmp_path: Path) -> None:
    env = {**os.environ, "CALLTRIAGE_CACHE_DIR": str(tmp_path / "cache")}
    opened = cli("incident", "open", "--caller", "alice", "--callee", "bob", "--json", db=sqlite_db_url).json()
    args = ["--db", sqlite_db_url, "incident", "next", str(opened["id"]), "--json"]
    modules_after(args, env)  # the first run fills the playbook cache
    loaded = modules_after(args, env)
    assert sorted(m for m in loaded if m.startswith(HEAVY)) == []
    assert "calltriage.services.steps" in loaded


def test_the_lab_still_plugs_in_through_its_entry_point() -> None:
    result = cli("lab", "--help")
    assert result.code == 0 and "up" in result.out and "down" in result.out


def test_a_cached_playbook_is_the_same_spec_as_the_parsed_one() -> None:
    spec = load_playbook(SEED, known_probes=None, known_playbooks=None)
    again = spec_from_data(json.loads(json.dumps(spec_to_data(spec))))
    assert again == spec
    assert again.nodes["l1.force_reconnection"].wait == spec.nodes["l1.force_reconnection"].wait > 0


def test_a_corrupt_or_stale_cache_entry_is_rebuilt_and_an_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    source = SEED.read_text()
    spec = load_playbook(SEED, known_probes=None, known_playbooks=None)
    built: list[int] = []

    def build() -> object:
        built.append(1)
        return spec

    cache = SpecCache(tmp_path / "cache")
    key = file_key(source, str(SEED), None, None)
    assert cache.get(key, build) == spec and cache.get(key, build) == spec
    assert len(built) == 1
    for entry in (tmp_path / "cache").iterdir():
        entry.write_text('{"format": 1, "id": "x"')  # cut short
    assert cache.get(key, build) == spec and len(built) == 2
    (tmp_path / "ro").mkdir(mode=0o500)
    assert SpecCache(tmp_path / "ro" / "cache").get(key, build) == spec


def test_a_wrong_number_is_one_usage_error_and_constraints_still_hold(sqlite_db_url: str) -> None:
    wrong = cli("incident", "next", "twelve", db=sqlite_db_url)
    assert wrong.code == 2 and "'twelve' is not a valid integer" in wrong.err and "unexpected" not in wrong.err
    bounded = cli("worker", "--concurrency", "0", db=sqlite_db_url)
    assert bounded.code == 2 and "--concurrency" in bounded.err
