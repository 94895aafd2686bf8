"""The PrivateServer lab's database: a uniquely named MariaDB database on the machine's server.

`create()` makes the database (Kamailio's standard tables from Debian's own
/usr/share/kamailio/mysql/*-create.sql, the appliance's tables from schema.sql, the views from
views.sql), a writer user for Kamailio and the lab, and a read-only user for calltriage with
SELECT on the views only. `drop()` removes the database and both users. Passwords live in
<lab dir>/secrets/ (0600) and never reach logs or lab.json.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pymysql

from calltriage_lab.errors import LabComponentMissing, LabError

KAMAILIO_SCHEMA_DIR = Path("/usr/share/kamailio/mysql")
KAMAILIO_SCHEMAS = ("standard", "auth_db", "alias_db", "usrloc", "acc")
#: the appliance's read-only views: all calltriage's user may read
VIEWS = ("V_SIP_SESSION", "V_CDR", "V_AUTH_EVENT", "V_AUDIT_EVENT", "V_SIP_ACCOUNT")
APT_HINT = "apt-get install kamailio-mysql-modules mariadb-server (scripts/install-system-deps.sh)"


@dataclass(frozen=True)
class MariaDBServer:
    """Where the machine's MariaDB listens and how the lab administers it (root, no password)."""

    host: str = "127.0.0.1"
    port: int = 3306
    admin_user: str = "root"
    admin_password: str = ""

    def connect(self, database: str | None = None, **kwargs: Any) -> pymysql.connections.Connection[Any]:
        try:
            return pymysql.connect(host=self.host, port=self.port, user=self.admin_user,
                                   password=self.admin_password, database=database, autocommit=True,
                                   connect_timeout=5, charset="utf8mb4", **kwargs)
        except pymysql.err.OperationalError as exc:
            raise LabComponentMissing(
                f"cannot reach MariaDB at {self.host}:{self.port} as {self.admin_user} ({exc.args[-1]}): "
                "start the machine's MariaDB server"
            ) from None


def _split_sql(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [stmt.strip() for stmt in "\n".join(lines).split(";") if stmt.strip()]


def _schema_statements() -> list[str]:
    statements: list[str] = []
    for name in KAMAILIO_SCHEMAS:
        path = KAMAILIO_SCHEMA_DIR / f"{name}-create.sql"
        try:
            statements += _split_sql(path.read_text())
        except OSError:
            raise LabComponentMissing(f"no Kamailio MySQL schema at {path}: {APT_HINT}") from None
    package = resources.files("calltriage_lab.privateserver")
    statements += _split_sql(package.joinpath("schema.sql").read_text())
    statements += _split_sql(package.joinpath("views.sql").read_text())
    return statements


class LabMariaDB:
    """One lab database (`ctps_<hex>`) with its writer and read-only users."""

    def __init__(self, name: str, secrets_dir: Path, server: MariaDBServer | None = None) -> None:
        if not name.isidentifier() or len(name) > 24:
            raise LabError(f"bad lab database name {name!r}")
        self.name = name
        self.server = server or MariaDBServer()
        self.secrets_dir = secrets_dir
        self.writer = f"{name}_w"
        self.reader = f"{name}_ro"

    @staticmethod
    def new_name() -> str:
        return f"ctps_{secrets.token_hex(5)}"

    # ---------- secrets ----------
    def _secret(self, user: str) -> Path:
        return self.secrets_dir / f"db-{user}"

    def password(self, user: str) -> str:
        try:
            return self._secret(user).read_text().strip()
        except OSError:
            raise LabError(
                f"no password for DB user {user} in {self.secrets_dir}: run `calltriage lab up` again"
            ) from None

    def _write_secret(self, path: Path, text: str) -> None:
        self.secrets_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(text)

    @property
    def reader_password_file(self) -> Path:
        return self._secret(self.reader)

    @property
    def reader_url(self) -> str:
        """The URL calltriage reads the views with (password apart, in reader_password_file)."""
        return f"mysql://{self.reader}@{self.server.host}:{self.server.port}/{self.name}"

    def kamailio_url(self) -> str:
        return f"mysql://{self.writer}:{self.password(self.writer)}@{self.server.host}:{self.server.port}/{self.name}"

    # ---------- lifecycle ----------
    def exists(self) -> bool:
        with self.server.connect() as con, con.cursor() as cur:
            cur.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (self.name,))
            return cur.fetchone() is not None

    def create(self) -> None:
        """Database, tables, views, users and grants (no-op when the database exists)."""
        if self.exists():
            return
        statements = _schema_statements()
        writer_pw, reader_pw = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        self._write_secret(self._secret(self.writer), writer_pw + "\n")
        self._write_secret(self._secret(self.reader), reader_pw + "\n")
        with self.server.connect() as con, con.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{self.name}` CHARACTER SET utf8mb4")
            cur.execute(f"USE `{self.name}`")
            for statement in statements:
                cur.execute(statement)
            for user, pw in ((self.writer, writer_pw), (self.reader, reader_pw)):
                cur.execute("CREATE OR REPLACE USER %s@'127.0.0.1' IDENTIFIED BY %s", (user, pw))
                cur.execute("CREATE OR REPLACE USER %s@'localhost' IDENTIFIED BY %s", (user, pw))
            for host in ("127.0.0.1", "localhost"):
                cur.execute(f"GRANT ALL PRIVILEGES ON `{self.name}`.* TO %s@%s", (self.writer, host))
                for view in VIEWS:
                    cur.execute(f"GRANT SELECT ON `{self.name}`.`{view}` TO %s@%s", (self.reader, host))

    def drop(self) -> None:
        """Drop the database and its users (idempotent)."""
        with self.server.connect() as con, con.cursor() as cur:
            # sessions of the lab's own users (a reader left open) would hold metadata locks
            cur.execute("SELECT id FROM information_schema.processlist WHERE user IN (%s, %s)",
                        (self.writer, self.reader))
            for (session,) in cur.fetchall():
                try:
                    cur.execute(f"KILL {int(session)}")
                except pymysql.err.OperationalError:
                    pass  # ended meanwhile
            cur.execute("SET SESSION lock_wait_timeout = 30")
            cur.execute(f"DROP DATABASE IF EXISTS `{self.name}`")
            for user in (self.writer, self.reader):
                for host in ("127.0.0.1", "localhost"):
                    cur.execute("DROP USER IF EXISTS %s@%s", (user, host))

    def write_kamailio_defines(self, path: Path) -> None:
        """secrets/kamailio-db.cfg: the DB URL (with the writer's password) for kamailio.cfg."""
        url = self.kamailio_url()
        self._write_secret(path, f'#!define DBURL "{url}"\n#!define SQLCON "ps=>{url}"\n')

    def write_client_option_file(self, path: Path) -> None:
        """A MySQL option file ([client] user/password) for the NRPE database check."""
        self._write_secret(path, f"[client]\nuser={self.writer}\npassword={self.password(self.writer)}\n")

    # ---------- queries (as the writer: the lab's own side of the appliance) ----------
    @contextmanager
    def connect(self) -> Iterator[pymysql.connections.Connection[Any]]:
        con = pymysql.connect(host=self.server.host, port=self.server.port, user=self.writer,
                              password=self.password(self.writer), database=self.name, autocommit=True,
                              connect_timeout=5, charset="utf8mb4")
        try:
            yield con
        finally:
            con.close()

    def sql(self, query: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``?`` or ``%s`` placeholders) and return its rows."""
        with self.connect() as con, con.cursor() as cur:
            cur.execute(query.replace("?", "%s") if args else query, args or None)
            return list(cur.fetchall())
