"""One settings object: every setting documented, nothing below the edge reads the environment,
secrets from files, env-only server settings that triage really uses."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from calltriage.config import PrivateServerSettings, ProbeSettings, ServerConfig, ServiceAccount
from calltriage.errors import ConfigError
from calltriage.settings import SETTINGS, Settings
from tests.cli_runner import cli

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "configuration.md"
NAME = re.compile(r"\bCALLTRIAGE_[A-Z0-9_]*[A-Z0-9]")


def section(heading: str) -> str:
    text = DOC.read_text()
    start = text.index(f"\n{heading}\n")
    rest = text[start + len(heading) + 2:]
    ends = [m.start() for m in re.finditer(r"^#+ ", rest, re.M)]  # up to the next heading
    return rest[:ends[0]] if ends else rest


def rows(text: str) -> set[str]:
    return set(re.findall(r"^\| `([^`]+)` \|", text, re.M))


def documented_names() -> set[str]:
    return {s.env for s in SETTINGS} | {s.env + "_FILE" for s in SETTINGS if s.kind == "secret"}


def test_every_setting_is_in_the_settings_table_and_every_row_is_a_setting() -> None:
    assert rows(section("## Settings")) == documented_names()


def test_every_variable_the_docs_name_exists() -> None:
    server_fields = {*ServerConfig.model_fields, *ServiceAccount.model_fields, *ProbeSettings.model_fields,
                     *PrivateServerSettings.model_fields}
    unknown = set()
    for path in [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for name in NAME.findall(path.read_text()):
            if name in documented_names() or name.startswith("CALLTRIAGE_TEST_"):
                continue
            nested = re.fullmatch(r"CALLTRIAGE_(?:SERVER|PROBES)__([A-Z0-9_]+?)(?:__.*)?", name)
            if nested and nested.group(1).lower() in server_fields:
                continue
            unknown.add(f"{path.name}: {name}")
    assert sorted(unknown) == []


@pytest.mark.parametrize(("heading", "model"), [("### `[server]`", ServerConfig),
                                                 ("#### `[server.service_accounts.<role>]`", ServiceAccount),
                                                 ("#### `[server.privateserver]`", PrivateServerSettings),
                                                 ("### `[probes]`", ProbeSettings)])
def test_every_server_setting_is_documented_and_every_documented_one_exists(heading: str, model: type) -> None:
    assert rows(section(heading)) == set(model.model_fields)


def test_flags_beat_variables_and_variables_beat_defaults() -> None:
    env = {"CALLTRIAGE_DB": "from-env.sqlite", "CALLTRIAGE_SESSION_HOURS": "2", "CALLTRIAGE_PLAYBOOKS": "/pb"}
    settings = Settings.from_environment(env, db="from-flag.sqlite")
    assert settings.db == "from-flag.sqlite" and settings.playbooks == "/pb" and settings.session_hours == 2.0
    assert settings.webhook_max_attempts == 6 and Settings.from_environment({}).db is None


def test_a_secret_comes_from_its_file_and_never_shows(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("s3cret-value-0123456789abcdef\n")
    settings = Settings.from_environment({"CALLTRIAGE_SECRET_KEY_FILE": str(key)})
    assert settings.secret_key is not None and settings.secret_key.get() == "s3cret-value-0123456789abcdef"
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigError, match="cannot read CALLTRIAGE_WEBHOOK_SECRET_FILE") as missing:
        Settings.from_environment({"CALLTRIAGE_WEBHOOK_SECRET_FILE": str(tmp_path / "nope")})
    assert "\n" not in str(missing.value)


def test_a_wrong_value_names_the_variable_and_the_fix_but_not_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"CALLTRIAGE_WEBHOOK_MAX_ATTEMPTS.*between 1 and 50"):
        Settings.from_environment({"CALLTRIAGE_WEBHOOK_MAX_ATTEMPTS": "500"})
    with pytest.raises(ConfigError, match="CALLTRIAGE_SECURE_COOKIES is not a yes/no value"):
        Settings.from_environment({"CALLTRIAGE_SECURE_COOKIES": "maybe"})
    monkeypatch.setenv("CALLTRIAGE_SESSION_HOURS", "forever")
    result = cli("--db", "x.sqlite", "incident", "list")
    assert result.code == 1 and result.err.startswith("Error: CALLTRIAGE_SESSION_HOURS=")


def test_nothing_below_the_edge_reads_the_environment() -> None:
    readers = set()
    for path in sorted((ROOT / "src" / "calltriage").rglob("*.py")):
        if re.search(r"os\.environ|os\.getenv|getenv\(|environ\[", path.read_text()):
            readers.add(str(path.relative_to(ROOT / "src" / "calltriage")))
    # cli/main.py: the root command hands os.environ to Settings; config.py: the server part,
    # whose CALLTRIAGE_SERVER__* overrides pydantic-settings reads when Settings asks for it.
    assert readers <= {"cli/main.py", "config.py", "settings.py"}
    assert "cli/main.py" in readers


def test_env_only_server_settings_are_the_server_triage_probes(sqlite_db_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # a port nothing listens on: the control interface refuses
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"CALLTRIAGE_SERVER__DOMAIN": "env.test", "CALLTRIAGE_SERVER__HOST": "127.0.0.1",
           "CALLTRIAGE_SERVER__JSONRPC_URL": f"http://127.0.0.1:{port}/RPC",
           "CALLTRIAGE_SERVER__MIN_CLIENT_VERSION": "3.0.0"}
    monkeypatch.delenv("CALLTRIAGE_CONFIG", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    report = cli("triage", "--caller", "alice", "--callee", "bob", "--json", db=sqlite_db_url).json()
    first = report["probed"][0]
    assert first["node"] == "intake.operational_requirements"
    # the probe asked the configured control interface (it refused), not "no server configured"
    assert first["result"]["status"] == "error" and str(port) in first["result"]["summary"]
