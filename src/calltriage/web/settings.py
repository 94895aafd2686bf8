"""Settings of `calltriage serve`: the desk's part of ``calltriage.settings.Settings`` (never read at import).

| variable | meaning | default |
|---|---|---|
| CALLTRIAGE_SECRET_KEY / _FILE | signs session cookies and CSRF tokens | generated once into the data dir (0600) |
| CALLTRIAGE_DATA_DIR | where the generated secret lives | the SQLite file's folder, else ./var |
| CALLTRIAGE_SESSION_HOURS | a desk login lasts this long | 8 |
| CALLTRIAGE_SECURE_COOKIES | set Secure on cookies (behind HTTPS) | 0 |
| CALLTRIAGE_WEBHOOK_URLS | space- or comma-separated URLs notified on escalate/close | none |
| CALLTRIAGE_WEBHOOK_SECRET / _FILE | HMAC key of the webhook signature | none (unsigned) |
| CALLTRIAGE_WEBHOOK_MAX_ATTEMPTS | attempts before a delivery is marked failed | 6 |
| CALLTRIAGE_LEVEL_TARGETS | target median time per level on the reports (1=30m,2=4h,3=3d) | those |
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from calltriage.errors import ConfigError
from calltriage.services.webhooks import WebhookSettings
from calltriage.settings import Settings
from calltriage.store.filemode import tighten

SECRET_FILE = "calltriage-secret.key"


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = field(repr=False)
    session_hours: float = 8.0
    secure_cookies: bool = False
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)
    level_targets: dict[int, float] = field(default_factory=dict)  # CALLTRIAGE_LEVEL_TARGETS, e.g. 1=30m,2=4h


def data_dir(settings: Settings, db_url: str) -> Path:
    if settings.data_dir is not None:
        return settings.data_dir
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


def load_web_settings(settings: Settings, db_url: str) -> WebSettings:
    """The desk's part of ``settings``; without a secret key, the one generated next to the database."""
    key = settings.secret_key.get() if settings.secret_key else generated_secret(data_dir(settings, db_url))
    if len(key) < 16:
        raise ConfigError("CALLTRIAGE_SECRET_KEY is shorter than 16 characters: use a long random value")
    is_pg = make_url(db_url).get_backend_name() == "postgresql"
    hooks = WebhookSettings(
        urls=settings.webhook_urls,
        secret=settings.webhook_secret.get() if settings.webhook_secret else "",
        max_attempts=settings.webhook_max_attempts,
        settle=2.0 if is_pg else 0.0,
    )
    return WebSettings(secret_key=key, session_hours=settings.session_hours, secure_cookies=settings.secure_cookies,
                       webhooks=hooks, level_targets=_targets(settings.level_targets))


def _targets(text: str) -> dict[int, float]:
    from calltriage.errors import InvalidAnswer
    from calltriage.reports.volume import parse_targets

    try:
        return parse_targets(text)
    except InvalidAnswer as exc:
        raise ConfigError(f"CALLTRIAGE_LEVEL_TARGETS: {exc.message}") from None
