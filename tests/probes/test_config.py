"""Server settings: TOML + env overrides, secrets only from env or files, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from calltriage.config import load_server_settings
from calltriage.errors import ConfigError

SECRET = "Zebra-Piano-42"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "server.toml"
    path.write_text(body)
    return path


BASE = """
[server]
domain = "lab.test"
host = "127.0.0.1"
sip_port = 5060
tls_port = 5061
tls_server_name = "localhost"
jsonrpc_url = "http://127.0.0.1:5071/RPC"
accounts_db_url = "sqlite:////tmp/lab.sqlite"
min_client_version = "3.0.0"
"""


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "svc-a"
    path.write_text(SECRET + "\n")
    return path


def test_it_reads_the_file_and_env_overrides_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLTRIAGE_PROBES__TIMEOUT", "2.5")
    monkeypatch.setenv("CALLTRIAGE_SERVER__TLS_PORT", "15061")
    s = load_server_settings(write(tmp_path, BASE + "[probes]\ntimeout = 9\nrate = 20\n"))
    assert s.probes.timeout == 2.5 and s.probes.rate == 20
    assert s.server.tls_port == 15061 and s.server.tls_name == "localhost"


def test_passwords_come_from_files_or_env_and_never_show(tmp_path, monkeypatch, secret_file):
    monkeypatch.setenv("CALLTRIAGE_SERVER__SERVICE_ACCOUNTS__B__PASSWORD", SECRET + "-b")
    body = (
        BASE
        + f"""
[server.service_accounts.a]
username = "svc-a"
password_file = "{secret_file}"
[server.service_accounts.b]
username = "svc-b"
"""
    )
    s = load_server_settings(write(tmp_path, body))
    assert s.service_password("a").get_secret_value() == SECRET
    assert s.service_password("b").get_secret_value() == SECRET + "-b"
    for text in (repr(s), str(s), str(s.describe()), s.model_dump_json()):
        assert SECRET not in text
    assert s.describe()["server"]["service_accounts"]["b"] == {"username": "svc-b", "password": "set"}


def test_a_password_written_in_the_file_is_refused_with_the_fix(tmp_path):
    body = BASE + f'[server.service_accounts.a]\nusername = "svc-a"\npassword = "{SECRET}"\n'
    with pytest.raises(ConfigError) as info:
        load_server_settings(write(tmp_path, body))
    msg = str(info.value)
    assert SECRET not in msg
    assert "server.service_accounts.a.password" in msg and "CALLTRIAGE_SERVER__SERVICE_ACCOUNTS__A__PASSWORD" in msg


def test_a_db_password_inside_the_url_is_refused_and_hidden(tmp_path):
    body = BASE.replace("sqlite:////tmp/lab.sqlite", f"postgresql+psycopg://kam:{SECRET}@127.0.0.1/kamailio")
    with pytest.raises(ConfigError) as info:
        load_server_settings(write(tmp_path, body))
    assert SECRET not in str(info.value) and "accounts_db_password_file" in str(info.value)


def test_a_missing_password_file_names_the_setting_and_the_fix(tmp_path):
    body = BASE + '[server.service_accounts.a]\nusername = "svc-a"\npassword_file = "/nonexistent/svc-a"\n'
    with pytest.raises(ConfigError) as info:
        load_server_settings(write(tmp_path, body))
    msg = str(info.value)
    assert "/nonexistent/svc-a" in msg and "CALLTRIAGE_SERVER__SERVICE_ACCOUNTS__A__PASSWORD" in msg
    assert "\n" not in msg


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[server\nhost=", "not valid TOML"),
        (BASE.replace('host = "127.0.0.1"', ""), "server.host is required"),
        (BASE.replace("tls_port = 5061", 'tls_port = "x"'), "server.tls_port"),
        (BASE + "[probes]\ntimeout = -1\n", "probes.timeout"),
        (BASE + "[server.extra]\n", "server.extra is not a known setting"),
        (BASE + "[nonsense]\n", "unknown section"),
        (BASE.replace('"3.0.0"', '"three"'), "min_client_version"),
    ],
)
def test_bad_files_give_one_line_errors_naming_the_setting(tmp_path, body, words):
    with pytest.raises(ConfigError) as info:
        load_server_settings(write(tmp_path, body))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_an_env_secret_with_a_bad_value_is_not_echoed(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLTRIAGE_SERVER__SIP_PORT", SECRET)
    with pytest.raises(ConfigError) as info:
        load_server_settings(write(tmp_path, BASE))
    assert SECRET not in str(info.value) and "server.sip_port" in str(info.value)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_server_settings(tmp_path / "none.toml")
    assert "cannot read the config file" in str(info.value)


def test_settings_can_come_from_env_alone(monkeypatch):
    monkeypatch.delenv("CALLTRIAGE_CONFIG", raising=False)
    monkeypatch.setenv("CALLTRIAGE_SERVER__DOMAIN", "lab.test")
    monkeypatch.setenv("CALLTRIAGE_SERVER__HOST", "127.0.0.1")
    s = load_server_settings(None)
    assert s.server.host == "127.0.0.1" and s.describe()["source"] == "environment"
