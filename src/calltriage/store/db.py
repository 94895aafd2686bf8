"""Database engines and transactions for SQLite (default, WAL) and PostgreSQL.

Writes are serialized per incident: on PostgreSQL with ``SELECT … FOR UPDATE``, on SQLite
by taking the database write lock up front (``BEGIN IMMEDIATE``). A deferred SQLite
transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT under WAL when
another writer committed in between, which would turn a simple conflict into an opaque error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, OperationalError, SQLAlchemyError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

from calltriage.errors import ConfigError, StoreError
from calltriage.store.filemode import private_sqlite_file

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration (tests/store/test_migrations.py checks it against the scripts): a database
# at another revision is refused with "run `calltriage init`" instead of failing on a missing column.
SCHEMA_HEAD = "0009_ended_sessions"


def default_db_url(db: str | None = None) -> str:
    """A path (SQLite) or a URL as given (``Settings.db``: ``--db`` > ``CALLTRIAGE_DB``); default
    ``./calltriage.sqlite``."""
    value = db or "calltriage.sqlite"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


class Store:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.safe_url = _safe_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(
                f"database URL {self.safe_url!r} is not valid: use a file path or e.g. "
                "postgresql+psycopg://user@host/db"
            ) from None
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                folder = Path(parsed.database).parent
                if not folder.is_dir():
                    raise ConfigError(f"database folder {folder} does not exist: create it or pass another --db")
                private_sqlite_file(Path(parsed.database))
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            # the web desk's threadpool runs up to 40 sync handlers: let them find a connection
            kwargs.update(pool_size=10, max_overflow=30)
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (ArgumentError, ImportError) as exc:
            raise ConfigError(f"cannot use database {self.safe_url}: {exc}") from None
        if self.is_sqlite:
            _sqlite_pragmas(self.engine)
        self._write_engine = self.engine.execution_options(immediate=True) if self.is_sqlite else self.engine
        self._makers: tuple[sessionmaker[Session], sessionmaker[Session]] | None = None

    def _session_makers(self) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
        # The ORM is imported on first use: a read through ``connect()`` (Core) never needs it.
        if self._makers is None:
            from sqlalchemy.orm import sessionmaker

            self._makers = (sessionmaker(self.engine, expire_on_commit=False),
                            sessionmaker(self._write_engine, expire_on_commit=False))
        return self._makers

    # -- schema ---------------------------------------------------------------------------
    def upgrade(self) -> None:
        """Create or migrate the schema to the latest Alembic revision."""
        from alembic import command

        with self._guard(), self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection if self.is_sqlite else None
            if raw is not None:
                # SQLite alters a table by rebuilding it (Alembic's batch mode), which drops the
                # old table: with foreign keys enforced that fails as soon as another table points
                # at it (events -> incidents). SQLite's documented recipe: foreign keys off outside
                # the transaction, rebuild, then foreign_key_check before switching them back on.
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg = _alembic_config(self.url)
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if raw is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"database {self.safe_url}: the migration would leave "
                                             f"{len(broken)} dangling reference(s) (first in table "
                                             f"{broken[0][0]}); nothing was changed")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")

    def ensure_ready(self) -> None:
        try:
            with self.engine.connect() as conn:
                tables = set(inspect(conn).get_table_names())
        except DatabaseError as exc:
            raise self._failure(exc) from None
        if "incidents" not in tables or "alembic_version" not in tables:
            raise StoreError(f"database {self.safe_url} is not initialised: run `calltriage init`")
        try:
            with self.engine.connect() as conn:
                version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DatabaseError as exc:
            raise self._failure(exc) from None
        if version != SCHEMA_HEAD:
            raise StoreError(f"database {self.safe_url} has schema version {version}, this calltriage needs "
                             f"{SCHEMA_HEAD}: run `calltriage init` to upgrade it (nothing stored is lost)")

    # -- transactions ---------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._guard(), self._session_makers()[0]() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._guard(), self._session_makers()[1]() as session, session.begin():
            yield session

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A Core connection for short reads that need no ORM (``services.steps``)."""
        with self._guard(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError:
            raise  # a constraint the caller turns into its own message (a duplicate name...)
        except DatabaseError as exc:
            raise self._failure(exc) from None
        except SQLAlchemyError as exc:
            raise StoreError(f"database {self.safe_url} failed ({_short(exc)})") from None

    def _failure(self, exc: DatabaseError) -> StoreError:
        """One line naming the problem and the fix for a database that fails."""
        short = _short(exc)
        if self.is_sqlite and any(m in short for m in _NOT_SQLITE):
            return StoreError(f"database {self.safe_url} is not a SQLite database or is damaged ({short}): "
                              "restore it from a backup or pass another --db")
        if isinstance(exc, OperationalError) and getattr(exc, "connection_invalidated", False) is False and (
                "connect" in short.lower() or "could not" in short.lower() or "unable to open" in short):
            return StoreError(f"cannot reach the database {self.safe_url} ({short}): check that the server "
                              "runs and accepts connections, and --db or CALLTRIAGE_DB")
        return StoreError(f"database {self.safe_url} failed ({short}): check that it is reachable and not "
                          "locked by another program")

    def dispose(self) -> None:
        self.engine.dispose()


_NOT_SQLITE = ("file is not a database", "database disk image is malformed", "file is encrypted")


def _short(exc: Exception) -> str:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy's pysqlite notes).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
