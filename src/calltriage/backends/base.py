"""What every backend shares: its settings and environment, the server's clock, the per-call time
budget, and the read-only database reader (rebuilt when the configured URL changes)."""

from __future__ import annotations

from datetime import tzinfo

from calltriage.backends.port import BackendEnv, CannotTell, server_timezone
from calltriage.backends.sql import SqlReader, SqlUnavailable
from calltriage.config import ServerSettings


class BackendBase:
    name = ""
    db_label = "the server's database"  # "could not read <db_label>: <why>"

    def __init__(self, settings: ServerSettings, env: BackendEnv) -> None:
        self.settings = settings
        self.env = env
        self.tz: tzinfo = server_timezone(settings.server.timezone)
        self._db: SqlReader | None = None

    @property
    def db(self) -> SqlReader | None:
        s = self.settings.server
        if s.accounts_db_url is None:
            return None
        if self._db is None or self._db.url != s.accounts_db_url:
            if self._db is not None:
                self._db.close()
            self._db = SqlReader(s.accounts_db_url, s.accounts_db_password)
            self._forget_schema()
        return self._db

    def _forget_schema(self) -> None:
        """What a backend learnt about the previous database (described tables...) is stale."""

    def _db_cannot(self, exc: SqlUnavailable) -> CannotTell:
        return CannotTell(f"could not read {self.db_label}: {exc}")

    def _t(self, share: float = 0.3) -> float:
        return self.env.op_timeout(share)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._forget_schema()
