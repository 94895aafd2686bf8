"""Settings of `calltriage serve`, built by ``load_web_settings()`` from the environment (never at import).

| variable | meaning | default |
|---|---|---|
| CALLTRIAGE_SECRET_KEY / _FILE | signs session cookies and CSRF tokens | generated once into the data dir (0600) |
| CALLTRIAGE_DATA_DIR | where the generated secret lives | the SQLite file's folder, else ./var |
| CALLTRIAGE_SESSION_HOURS | a desk login lasts this long | 8 |
| CALLTRIAGE_SECURE_COOKIES | set Secure on cookies (behind HTTPS) | 0 |
| CALLTRIAGE_WEBHOOK_URLS | space- or comma-separated URLs notified on escalate/close | none |
| CALLTRIAGE_WEBHOOK_SECRET / _FILE | HMAC key of the webhook signature | none (unsigned) |
| CALLTRIAGE_WEBHOOK_MAX_ATTEMPTS | attempts before a delivery is marked failed | 6 |
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from calltriage.errors import ConfigError
from calltriage.services.webhooks import WebhookSettings
from calltriage.store.filemode import tighten

SECRET_FILE = "calltriage-secret.key"


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = field(repr=False)
    session_hours: float = 8.0
    secure_cookies: bool = False
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)


def _secret(name: str) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if not path:
        return None
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"cannot read {name}_FILE {path} ({exc.strerror}): fix the path or set {name}") from None
    if not text:
        raise ConfigError(f"{name}_FILE {path} is empty: write the secret into it")
    return text


def data_dir(db_url: str) -> Path:
    explicit = os.environ.get("CALLTRIAGE_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent
    return Path("var")


def generated_secret(folder: Path) -> str:
    """Read or create the secret file (0600): sessions survive restarts without any setup."""
    path = folder / SECRET_FILE
    if path.exists():
        tighten(path)
        return path.read_text(encoding="utf-8").strip()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        value = secrets.token_urlsafe(48)
        out.write(value + "\n")
    return value


def _number(name: str, default: float, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number: set it to a value between {low} and {high}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} is out of range: set it to a value between {low} and {high}")
    return value


def load_web_settings(db_url: str) -> WebSettings:
    key = _secret("CALLTRIAGE_SECRET_KEY") or generated_secret(data_dir(db_url))
    if len(key) < 16:
        raise ConfigError("CALLTRIAGE_SECRET_KEY is shorter than 16 characters: use a long random value")
    urls = tuple(u for u in re.split(r"[\s,]+", os.environ.get("CALLTRIAGE_WEBHOOK_URLS", "")) if u)
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"CALLTRIAGE_WEBHOOK_URLS has {url[:40]!r}, not an http(s) URL: fix the list")
    is_pg = make_url(db_url).get_backend_name() == "postgresql"
    hooks = WebhookSettings(
        urls=urls,
        secret=_secret("CALLTRIAGE_WEBHOOK_SECRET") or "",
        max_attempts=int(_number("CALLTRIAGE_WEBHOOK_MAX_ATTEMPTS", 6, 1, 50)),
        settle=2.0 if is_pg else 0.0,
    )
    return WebSettings(
        secret_key=key,
        session_hours=_number("CALLTRIAGE_SESSION_HOURS", 8.0, 0.01, 24 * 30),
        secure_cookies=os.environ.get("CALLTRIAGE_SECURE_COOKIES", "").lower() in ("1", "true", "yes"),
        webhooks=hooks,
    )
