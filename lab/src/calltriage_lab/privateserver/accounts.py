"""The lab appliance's administration: accounts, numbers, the audit trail and DB faults.

`PsLabDB` offers the same provisioning API as the SQLite lab's `LabDB` (so tests, the CLI and
the fault catalogue drive both labs alike) and writes what the appliance's console would: one
`V_AUDIT_EVENT` row per configuration change (actor `lab-admin`). Kamailio reads `subscriber`,
`dbaliases` and `ps_account.disabled` on every request: changes are live at once.
"""

from __future__ import annotations

from typing import Any

from calltriage_lab.privateserver.mariadb import LabMariaDB

ACTOR = "lab-admin"
#: tables renamed by break_database(): the accounts store "is gone"
_BROKEN_TABLES = ("subscriber", "ps_account")
_BROKEN_SUFFIX = "_unavailable"
_PROVISIONING = {"display_name": "owner", "edition": "edition", "transport": "transport", "port": "port",
                 "disabled": "disabled"}


class PsLabDB(LabMariaDB):
    """Provisioning of the PrivateServer lab (writer user)."""

    domain = "lab.test"
    enrichments = False  # none of the Kamailio lab's enrichment tables: the appliance has its own

    def audit(self, event_type: str, username: str, details: str) -> None:
        rows = self.sql("SELECT id FROM ps_account WHERE username = %s", (username,))
        self.sql(
            "INSERT INTO ps_audit_event (date_created, event_type, actor, class_name, object_id, details)"
            " VALUES (NOW(6), %s, %s, 'SipAccount', %s, %s)",
            (event_type, ACTOR, rows[0][0] if rows else None, f"{username}: {details}"),
        )

    def add_account(self, username: str, password: str, number: str | None = None, *, display_name: str = "",
                    edition: str = "professional", transport: str = "tls", port: int = 0,
                    disabled: bool = False, obfuscation_key: str | None = None) -> None:
        del obfuscation_key  # the appliance keeps it, but not in anything the lab exposes
        with self.connect() as con, con.cursor() as cur:
            con.begin()
            cur.execute("INSERT INTO subscriber (username, domain, password) VALUES (%s, %s, %s)",
                        (username, self.domain, password))
            cur.execute("INSERT INTO ps_account (username, owner, edition, transport, port, disabled)"
                        " VALUES (%s, %s, %s, %s, %s, %s)",
                        (username, display_name or username.title(), edition, transport, port, int(disabled)))
            if number:
                self._insert_alias(cur, number, username)
            con.commit()
        self.audit("CREATE", username, f"account created (number {number or 'none'})")

    def _insert_alias(self, cur: Any, number: str, username: str) -> None:
        cur.execute("INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES (%s, %s, %s, %s)",
                    (number, self.domain, username, self.domain))

    def add_alias(self, number: str, username: str) -> None:
        with self.connect() as con, con.cursor() as cur:
            self._insert_alias(cur, number, username)
        self.audit("UPDATE", username, f"virtual number {number} assigned")

    def remove_alias(self, number: str, username: str | None = None) -> None:
        if username is None:
            self.sql("DELETE FROM dbaliases WHERE alias_username = %s", (number,))
        else:
            self.sql("DELETE FROM dbaliases WHERE alias_username = %s AND username = %s", (number, username))

    def remove_account(self, username: str) -> None:
        self.audit("DELETE", username, "account deleted")
        with self.connect() as con, con.cursor() as cur:
            con.begin()
            for table in ("subscriber", "ps_account", "dbaliases"):
                cur.execute(f"DELETE FROM {table} WHERE username = %s", (username,))
            con.commit()

    def set_password(self, username: str, password: str) -> None:
        self.sql("UPDATE subscriber SET password = %s WHERE username = %s", (password, username))
        self.audit("UPDATE", username, "password changed")

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        self.set_provisioning(username, disabled=int(disabled))

    def set_provisioning(self, username: str, **fields: Any) -> None:
        for field, value in fields.items():
            column = _PROVISIONING.get(field)
            if column is None:
                raise ValueError(f"unknown provisioning field {field!r}")
            # column comes from a fixed allow-list, never from user input
            self.sql(f"UPDATE ps_account SET {column} = %s, last_updated = NOW(6) WHERE username = %s",
                     (value, username))
            shown = {"disabled": "account disabled" if value else "account enabled"}.get(field, f"{field} = {value}")
            self.audit("UPDATE", username, shown)

    def accounts(self) -> list[dict[str, Any]]:
        rows = self.sql(
            "SELECT a.username, a.owner, (SELECT d.alias_username FROM dbaliases d WHERE d.username = a.username"
            " ORDER BY d.id LIMIT 1), a.edition, a.transport, a.port, a.disabled FROM ps_account a ORDER BY a.username"
        )
        keys = ("username", "display_name", "number", "edition", "transport", "port", "disabled")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def aliases(self, number: str) -> list[str]:
        return [r[0] for r in self.sql("SELECT username FROM dbaliases WHERE alias_username = %s ORDER BY id",
                                       (number,))]

    def record_session(self, event_type: str, username: str, details: str) -> None:
        """A SIP Sessions row written on the appliance's behalf (e.g. a registration dropped
        server-side, which Kamailio's ul.rm does not report)."""
        self.sql("INSERT INTO ps_sip_session (date_created, event_type, username, details)"
                 " VALUES (NOW(6), %s, %s, %s)", (event_type, username, details))

    # ---------- faults ----------
    def break_database(self) -> None:
        """The accounts store becomes unavailable: Kamailio's digest checks fail (`db error`),
        V_SIP_ACCOUNT cannot be read, the NRPE database check goes CRITICAL."""
        names = {r[0] for r in self.sql("SHOW TABLES")}
        for table in _BROKEN_TABLES:
            if table in names:
                self.sql(f"RENAME TABLE {table} TO {table}{_BROKEN_SUFFIX}")

    def restore_database(self) -> None:
        names = {r[0] for r in self.sql("SHOW TABLES")}
        for table in _BROKEN_TABLES:
            if f"{table}{_BROKEN_SUFFIX}" in names:
                self.sql(f"RENAME TABLE {table}{_BROKEN_SUFFIX} TO {table}")
