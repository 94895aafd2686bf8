"""Every setting of calltriage in one object, built once at the edge and passed down.

``Settings.from_environment(os.environ, **flags)`` is called by the CLI's root callback and by
`calltriage serve` (whose worker processes receive the built object); nothing below reads the
environment. Values come from flags > ``CALLTRIAGE_*`` variables > defaults; a secret may come
from a file named by ``<NAME>_FILE``. The SIP server under triage is the one typed part read
from a TOML file (``--config`` / ``CALLTRIAGE_CONFIG``) plus ``CALLTRIAGE_SERVER__*`` /
``CALLTRIAGE_PROBES__*`` overrides: ``server_settings()`` builds it with ``config`` (pydantic-
settings) when a command needs a server.

The rest is parsed here by hand on purpose: importing pydantic costs a short CLI command about
half of its budget (docs/performance.md), and `calltriage incident next` needs only a path.
``SETTINGS`` is the table docs/configuration.md must match (tests/test_settings.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calltriage.errors import ConfigError

if TYPE_CHECKING:
    from calltriage.config import ServerSettings

PREFIX = "CALLTRIAGE_"
SERVER_PREFIXES = (f"{PREFIX}SERVER__", f"{PREFIX}PROBES__")


@dataclass(frozen=True)
class Setting:
    field: str
    kind: str  # text | path | bool | number | integer | urls | secret
    default: Any = None
    low: float | None = None
    high: float | None = None
    flag: str | None = None

    @property
    def env(self) -> str:
        return PREFIX + self.field.upper()


SETTINGS = (
    Setting("db", "text", flag="--db"),
    Setting("playbooks", "text", flag="--playbooks"),
    Setting("config", "path", flag="--config"),
    Setting("operator", "text", flag="--as"),
    Setting("cache_dir", "path"),
    Setting("data_dir", "path"),
    Setting("secret_key", "secret"),
    Setting("session_hours", "number", 8.0, 0.01, 24 * 30),
    Setting("secure_cookies", "bool", False),
    Setting("webhook_urls", "urls", ()),
    Setting("webhook_secret", "secret"),
    Setting("webhook_max_attempts", "integer", 6, 1, 50),
    Setting("level_targets", "text", ""),
    Setting("major_threshold", "integer", 3, 2, 1_000_000),
    Setting("major_window", "number", 3600.0, 1, 10**9),
)


class Secret:
    """A secret value that never shows in a repr, a log line or an error."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    db: str | None = None
    playbooks: str | None = None
    config: Path | None = None
    operator: str | None = None
    cache_dir: Path | None = None
    data_dir: Path | None = None
    secret_key: Secret | None = None
    session_hours: float = 8.0
    secure_cookies: bool = False
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: Secret | None = None
    webhook_max_attempts: int = 6
    level_targets: str = ""  # e.g. "1=30m,2=4h,3=3d" (reports.volume.parse_targets), read by the desk
    major_threshold: int = 3
    major_window: float = 3600.0
    debug: bool = False
    server_env: bool = False  # CALLTRIAGE_SERVER__* / CALLTRIAGE_PROBES__* variables are set
    _server: list[ServerSettings | None] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], *, cache_home: Path | None = None,
                         **flags: Any) -> Settings:
        """Flags (None: not given) over ``CALLTRIAGE_*`` variables over defaults. ``ConfigError``
        names the variable and the fix; never its value."""
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            flag = flags.pop(setting.field, None)
            values[setting.field] = _parse(setting, environ) if flag is None else _flag(setting, flag)
        values["debug"] = bool(flags.pop("debug", False))
        if flags:
            raise TypeError(f"unknown settings {sorted(flags)}")
        if values["cache_dir"] is None and (environ.get(f"{PREFIX}CACHE_DIR") is None):
            base = Path(environ["XDG_CACHE_HOME"]) if environ.get("XDG_CACHE_HOME") else cache_home
            values["cache_dir"] = base / "calltriage" / "playbooks" if base is not None else None
        values["server_env"] = any(k.upper().startswith(SERVER_PREFIXES) for k in environ)
        return cls(**values)

    def with_flags(self, **flags: Any) -> Settings:
        """The same settings with a command's own flags (e.g. ``--config``) applied."""
        given = {k: _flag(next(s for s in SETTINGS if s.field == k), v) for k, v in flags.items() if v is not None}
        return replace(self, _server=[], **given) if given else self

    # -- derived values ------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        """``--db`` / ``CALLTRIAGE_DB``: a path (SQLite) or a URL; default ``./calltriage.sqlite``."""
        from calltriage.store.db import default_db_url

        return default_db_url(self.db)

    def server_settings(self) -> ServerSettings | None:
        """The SIP server to probe: the ``config`` file and/or ``CALLTRIAGE_SERVER__*`` variables
        (env-only works too); None when neither is given. Read once."""
        if not self._server:
            loaded = None
            if self.config is not None or self.server_env:
                from calltriage.config import load_server_settings

                loaded = load_server_settings(self.config)
            self._server.append(loaded)
        return self._server[0]


def _flag(setting: Setting, value: Any) -> Any:
    if setting.kind == "path":
        return Path(str(value)).expanduser()
    return value


def _parse(setting: Setting, environ: Mapping[str, str]) -> Any:
    name = setting.env
    raw = environ.get(name)
    if setting.kind == "secret":
        return _secret(name, raw, environ.get(f"{name}_FILE"))
    if raw is None or (raw == "" and setting.kind != "path"):
        return setting.default
    if setting.kind == "text":
        return raw
    if setting.kind == "path":
        return Path(raw).expanduser() if raw else None  # "" turns an optional folder off
    if setting.kind == "bool":
        if raw.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ConfigError(f"{name} is not a yes/no value: set it to 1 or 0")
        return raw.lower() in ("1", "true", "yes", "on")
    if setting.kind == "urls":
        urls = tuple(u for u in re.split(r"[\s,]+", raw) if u)
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ConfigError(f"{name} has {url[:40]!r}, not an http(s) URL: fix the list")
        return urls
    try:
        number = float(raw) if setting.kind == "number" else int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number: set it to a value between {setting.low:g} and "
                          f"{setting.high:g}") from None
    assert setting.low is not None and setting.high is not None
    if not setting.low <= number <= setting.high:
        raise ConfigError(f"{name}={raw!r} is out of range: set it to a value between {setting.low:g} and "
                          f"{setting.high:g}")
    return number


def _secret(name: str, value: str | None, path: str | None) -> Secret | None:
    if value:
        return Secret(value)
    if not path:
        return None
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {name}_FILE {path} ({exc.strerror}): fix the path or set {name}") from None
    if not text:
        raise ConfigError(f"{name}_FILE {path} is empty: write the secret into it")
    return Secret(text)
