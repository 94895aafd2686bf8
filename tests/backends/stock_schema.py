"""Kamailio's standard tables as its MySQL and PostgreSQL schema files create them (the columns
calltriage reads), plus the stock kamailio.cfg's six db_extra columns - for backend tests against
a real MariaDB and PostgreSQL, filled with rows as Kamailio writes them."""

from __future__ import annotations

_EXTRA = (
    "src_user VARCHAR(64) NOT NULL DEFAULT '', src_domain VARCHAR(128) NOT NULL DEFAULT '',"
    " src_ip VARCHAR(64) NOT NULL DEFAULT '', dst_ouser VARCHAR(64) NOT NULL DEFAULT '',"
    " dst_user VARCHAR(64) NOT NULL DEFAULT '', dst_domain VARCHAR(128) NOT NULL DEFAULT ''"
)


def tables(serial: str, timestamp: str) -> list[str]:
    acc = (
        f"id {serial}, method VARCHAR(16) NOT NULL DEFAULT '', from_tag VARCHAR(128) NOT NULL DEFAULT '',"
        " to_tag VARCHAR(128) NOT NULL DEFAULT '', callid VARCHAR(255) NOT NULL DEFAULT '',"
        " sip_code VARCHAR(3) NOT NULL DEFAULT '', sip_reason VARCHAR(128) NOT NULL DEFAULT '',"
        f" time {timestamp} NOT NULL, {_EXTRA}"
    )
    return [
        f"CREATE TABLE subscriber (id {serial}, username VARCHAR(64) NOT NULL DEFAULT '',"
        " domain VARCHAR(64) NOT NULL DEFAULT '', password VARCHAR(64) NOT NULL DEFAULT '',"
        " ha1 VARCHAR(128) NOT NULL DEFAULT '', ha1b VARCHAR(128) NOT NULL DEFAULT '')",
        f"CREATE TABLE dbaliases (id {serial}, alias_username VARCHAR(64) NOT NULL DEFAULT '',"
        " alias_domain VARCHAR(64) NOT NULL DEFAULT '', username VARCHAR(64) NOT NULL DEFAULT '',"
        " domain VARCHAR(64) NOT NULL DEFAULT '')",
        f"CREATE TABLE acc ({acc})",
        f"CREATE TABLE missed_calls ({acc})",
    ]


ROWS = [
    "INSERT INTO subscriber (username, domain, password) VALUES ('alice', 'lab.test', 'x'), ('bob', 'lab.test', 'y')",
    "INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES"
    " ('+15550001', 'lab.test', 'alice', 'lab.test'), ('+15550002', 'lab.test', 'bob', 'lab.test')",
]


def call_row(table: str, local_time: str, code: str, dialled: str, reached: str) -> str:
    """A row as Kamailio's acc writes it: ``time`` in the server's local time."""
    return (
        f"INSERT INTO {table} (method, from_tag, to_tag, callid, sip_code, sip_reason, time, src_user,"
        " src_domain, src_ip, dst_ouser, dst_user, dst_domain) VALUES ('INVITE', 'f', 't', 'c1', "
        f"'{code}', 'R', '{local_time}', 'alice', 'lab.test', '127.0.0.1', '{dialled}', '{reached}', 'lab.test')"
    )
