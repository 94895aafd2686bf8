"""Typed settings for the SIP server under triage (``[server]``) and the probes (``[probes]``).

Built only by ``load_server_settings(path)`` - nothing is read at import time. Values come
from a TOML file (written by ``calltriage lab up`` for the lab) overridden by environment
variables ``CALLTRIAGE_<SECTION>__<KEY>`` (nested delimiter ``__``), e.g.
``CALLTRIAGE_PROBES__TIMEOUT=3`` or ``CALLTRIAGE_SERVER__SERVICE_ACCOUNTS__A__PASSWORD``.

Secrets (SIP passwords, the DB password) come only from the environment or from ``*_file``
paths; the TOML file may not contain them. They are held as ``SecretStr`` and never appear
in reprs, errors or ``describe()``.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from calltriage.errors import ConfigError

ENV_PREFIX = "CALLTRIAGE_"
CONFIG_ENV = "CALLTRIAGE_CONFIG"
_VERSION_RE = re.compile(r"^\d+(\.\d+){0,3}$")
# The app's own product token (RFC 3261 User-Agent: product/version): "PrivateGSM/3.4.1 (Android)".
DEFAULT_APP_VERSION_PATTERN = r"\bPrivateGSM/(\d+(?:\.\d+){0,3})"
_DB_SCHEMES = ("sqlite", "postgresql", "mysql", "mariadb")


def _read_secret_file(path: Path, setting: str, env_name: str) -> SecretStr:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(
            f"cannot read the secret file {path} ({exc.strerror or exc.__class__.__name__}); "
            f"create it or set {env_name}"
        ) from None
    value = text.strip("\r\n")
    if not value:
        raise ValueError(f"the secret file {path} is empty; write the secret into it or set {env_name}")
    return SecretStr(value)


class ServiceAccount(BaseModel):
    """A SIP account the probes use (test calls between service accounts, OPTIONS through the server)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1)
    password: SecretStr | None = Field(default=None, description="from env only")
    password_file: Path | None = None


class PrivateServerSettings(BaseModel):
    """``[server.privateserver]``: how backend ``privateserver`` reads an appliance (docs/backends.md)."""

    model_config = ConfigDict(extra="forbid")

    nrpe_host: str | None = Field(default=None, description="NRPE address (default: server.host)")
    nrpe_port: int = Field(default=5666, ge=1, le=65535)
    nrpe_ssl: bool = Field(default=True, description="false: the appliance's NRPE runs without SSL (check_nrpe -n)")
    nrpe_commands: list[str] = Field(default_factory=list, description="NRPE command names to run (none: no NRPE)")
    check_nrpe: Path = Field(default=Path("/usr/lib/nagios/plugins/check_nrpe"), description="Debian's check_nrpe")
    accounts_query: str | None = Field(
        default=None, description="read-only SELECT giving username, number (and optional columns) per row"
    )
    views: dict[str, str] = Field(default_factory=dict, description="view name overrides: sip_session, cdr, ...")
    columns: dict[str, str] = Field(default_factory=dict, description='column overrides: {"cdr.src": "src"}')
    session_events: dict[str, str] = Field(default_factory=dict, description="event_type -> connected|registered|...")
    auth_failures: dict[str, str] = Field(default_factory=dict, description="event_type -> refusal cause")

    @field_validator("accounts_query")
    @classmethod
    def _select_only(cls, v: str | None) -> str | None:
        if v is not None and (not v.lstrip().lower().startswith("select") or ";" in v.strip().rstrip(";")):
            raise ValueError("must be one read-only SELECT statement")
        return v.strip().rstrip(";") if v else v


class ServerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: str = Field(
        default="kamailio", description='kind of server: "kamailio" or "privateserver" (docs/backends.md)'
    )
    domain: str = Field(min_length=1, description="SIP domain of the accounts (sip:alice@<domain>)")
    host: str = Field(min_length=1, description="address of the SIP server")
    sip_port: int = Field(default=5060, ge=1, le=65535, description="SIP over UDP and TCP")
    tls_port: int = Field(default=5061, ge=1, le=65535, description="SIP over TLS")
    tls_server_name: str | None = Field(default=None, description="name the certificate must carry")
    ca_file: Path | None = Field(default=None, description="CA bundle to verify the server certificate")
    jsonrpc_url: str | None = Field(
        default=None, description="Kamailio JSON-RPC over HTTP, or fifo:///path when run on the server"
    )
    accounts_db_url: str | None = Field(default=None, description="SQLAlchemy URL of the accounts DB")
    accounts_db_password: SecretStr | None = Field(default=None, description="from env only")
    accounts_db_password_file: Path | None = None
    min_client_version: str | None = None
    app_version_pattern: str = Field(
        default=DEFAULT_APP_VERSION_PATTERN,
        description="regular expression finding the app's own product token in a User-Agent; group 1 is its version",
    )
    app_transport: Literal["udp", "tcp", "tls"] | None = Field(
        default=None, description="transport every app must use, when no server table says it per account"
    )
    app_port: int | None = Field(default=None, ge=1, le=65535, description="server port every app must use")
    acc_register_outcomes: bool = Field(
        default=False,
        description="the server's routing script accounts REGISTER outcomes in acc (a stock Kamailio does not)",
    )
    timezone: str | None = Field(
        default=None, description="IANA time zone of the server's clock (Kamailio acc.time); default: this machine's"
    )
    console_url: str | None = None
    ssh_host: str | None = None
    ssh_port: int = Field(default=22, ge=1, le=65535)
    metrics_url: str | None = None
    service_accounts: dict[str, ServiceAccount] = Field(default_factory=dict)
    privateserver: PrivateServerSettings = Field(default_factory=PrivateServerSettings)

    @field_validator("ca_file")
    @classmethod
    def _ca_exists(cls, v: Path | None) -> Path | None:
        if v is not None and not v.is_file():
            raise ValueError(f"no CA file at {v}; point it at the PEM bundle that signed the server certificate")
        return v

    @field_validator("jsonrpc_url")
    @classmethod
    def _rpc_url(cls, v: str | None) -> str | None:
        if v is not None and urlsplit(v).scheme not in ("http", "https", "fifo"):
            raise ValueError("must be an http://, https:// or fifo:///path URL")
        return v

    @field_validator("console_url", "metrics_url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and urlsplit(v).scheme not in ("http", "https"):
            raise ValueError("must be an http:// or https:// URL")
        return v

    @field_validator("accounts_db_url")
    @classmethod
    def _db_url(cls, v: str | None) -> str | None:
        if v is None:
            return v
        scheme = urlsplit(v).scheme.split("+")[0]
        if scheme not in _DB_SCHEMES:
            raise ValueError("must be a sqlite:///, postgresql+psycopg:// or mysql:// URL")
        return v

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        from calltriage.backends.registry import known_backends

        if v not in known_backends():
            raise ValueError(f"must be one of {', '.join(known_backends())}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}; use an IANA name such as \"Europe/Rome\" or \"UTC\"") from None
        return v

    @field_validator("app_version_pattern")
    @classmethod
    def _ua_pattern(cls, v: str) -> str:
        try:
            compiled = re.compile(v)
        except re.error as exc:
            raise ValueError(f"is not a regular expression ({exc}); e.g. {DEFAULT_APP_VERSION_PATTERN!r}") from None
        if compiled.groups < 1:
            raise ValueError(f"needs a group around the version, e.g. {DEFAULT_APP_VERSION_PATTERN!r}")
        return v

    @field_validator("min_client_version")
    @classmethod
    def _version(cls, v: str | None) -> str | None:
        if v is not None and not _VERSION_RE.match(v.strip()):
            raise ValueError('must look like "3.0.0"')
        return v.strip() if v else v

    @model_validator(mode="after")
    def _resolve_secrets(self) -> ServerConfig:
        for key, acct in self.service_accounts.items():
            env_name = f"{ENV_PREFIX}SERVER__SERVICE_ACCOUNTS__{key.upper()}__PASSWORD"
            if acct.password is None and acct.password_file is not None:
                acct.password = _read_secret_file(acct.password_file, f"service_accounts.{key}", env_name)
        if self.accounts_db_password is None and self.accounts_db_password_file is not None:
            self.accounts_db_password = _read_secret_file(
                self.accounts_db_password_file, "accounts_db_password", f"{ENV_PREFIX}SERVER__ACCOUNTS_DB_PASSWORD"
            )
        return self

    @property
    def tls_name(self) -> str:
        return self.tls_server_name or self.host


class ProbeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timeout: float = Field(default=5.0, gt=0, le=600, description="per-probe deadline, seconds")
    max_concurrency: int = Field(default=4, ge=1, le=1000, description="probes running at once per server")
    rate: float = Field(default=50, gt=0, description="max probe operations per second per server")
    transport: Literal["tls", "tcp", "udp"] = Field(default="tls", description="SIP transport of probe calls")


class ServerSettings(BaseSettings):
    """The whole configuration. Build it with ``load_server_settings``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore", case_sensitive=False
    )

    server: ServerConfig
    probes: ProbeSettings = Field(default_factory=ProbeSettings)
    source: str | None = Field(default=None, exclude=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first: it overrides the file (passed in as init values).
        return (env_settings, init_settings)

    def service_password(self, role: str) -> SecretStr | None:
        acct = self.server.service_accounts.get(role)
        return acct.password if acct else None

    def describe(self) -> dict[str, Any]:
        """A summary safe to print or export: no secret values, DB URL without password."""
        s = self.server
        db = None
        if s.accounts_db_url:
            db = hide_password(s.accounts_db_url)
            if s.accounts_db_password is not None:
                db += " (password set)"
        return {
            "source": self.source or "environment",
            "server": {
                "backend": s.backend,
                "domain": s.domain,
                "host": s.host,
                "sip_port": s.sip_port,
                "tls_port": s.tls_port,
                "tls_server_name": s.tls_name,
                "ca_file": str(s.ca_file) if s.ca_file else None,
                "jsonrpc_url": s.jsonrpc_url,
                "accounts_db": db,
                "min_client_version": s.min_client_version,
                "app_version_pattern": s.app_version_pattern,
                "app_transport": s.app_transport,
                "app_port": s.app_port,
                "timezone": s.timezone,
                "acc_register_outcomes": s.acc_register_outcomes,
                "console_url": s.console_url,
                "ssh": f"{s.ssh_host}:{s.ssh_port}" if s.ssh_host else None,
                "metrics_url": s.metrics_url,
                **({"privateserver": {
                    "nrpe": f"{s.privateserver.nrpe_host or s.host}:{s.privateserver.nrpe_port}",
                    "nrpe_commands": list(s.privateserver.nrpe_commands),
                    "accounts_query": s.privateserver.accounts_query,
                }} if s.backend == "privateserver" else {}),
                "service_accounts": {
                    k: {"username": a.username, "password": "set" if a.password is not None else "missing"}
                    for k, a in sorted(s.service_accounts.items())
                },
            },
            "probes": self.probes.model_dump(),
        }


def hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


# Keys that would hold a secret in clear text inside the file.
_FORBIDDEN_IN_FILE = {"password", "accounts_db_password"}


def _reject_file_secrets(data: dict[str, Any], path: Path) -> None:
    server = data.get("server") or {}
    if isinstance(server, dict):
        if "accounts_db_password" in server:
            raise ConfigError(
                f"{path}: server.accounts_db_password may not be written in the config file; "
                f"use accounts_db_password_file or env {ENV_PREFIX}SERVER__ACCOUNTS_DB_PASSWORD"
            )
        url = server.get("accounts_db_url")
        if isinstance(url, str) and urlsplit(url).password:
            raise ConfigError(
                f"{path}: server.accounts_db_url contains a password; remove it from the URL and use "
                f"accounts_db_password_file or env {ENV_PREFIX}SERVER__ACCOUNTS_DB_PASSWORD"
            )
        for key, acct in (server.get("service_accounts") or {}).items():
            if isinstance(acct, dict) and "password" in acct:
                raise ConfigError(
                    f"{path}: server.service_accounts.{key}.password may not be written in the config file; "
                    f"use password_file or env {ENV_PREFIX}SERVER__SERVICE_ACCOUNTS__{key.upper()}__PASSWORD"
                )


def _plain_errors(exc: ValidationError) -> str:
    # Only the location and pydantic's message: never the input value (it may be a secret).
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        loc = ".".join(str(x) for x in err["loc"]) or "settings"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "missing":
            env = ENV_PREFIX + "__".join(str(x).upper() for x in err["loc"])
            msg = f"is required; set it in the config file or env {env}"
        elif err["type"] == "extra_forbidden":
            msg = "is not a known setting (see docs/configuration.md)"
        parts.append(f"{loc} {msg}")
    return "; ".join(parts)


def load_server_settings(path: Path | None = None) -> ServerSettings:
    """Read the TOML file (if any; default: env ``CALLTRIAGE_CONFIG``) plus env overrides.

    Raises ``ConfigError`` with one line naming the setting and the fix.
    """
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    data: dict[str, Any] = {}
    if path is not None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ConfigError(
                f"cannot read the config file {path} ({exc.strerror or exc.__class__.__name__}); "
                "check the path given with --config or CALLTRIAGE_CONFIG"
            ) from None
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file's syntax") from None
        unknown = set(data) - {"server", "probes"}
        if unknown:
            raise ConfigError(
                f"{path}: unknown section(s) {', '.join(sorted(unknown))}; only [server] and [probes] are read"
            )
        _reject_file_secrets(data, path)
    try:
        settings = ServerSettings(**data)
    except ValidationError as exc:
        where = f"{path}: " if path is not None else ""
        raise ConfigError(f"{where}invalid server settings: {_plain_errors(exc)}") from None
    settings.source = str(path) if path is not None else None
    return settings
