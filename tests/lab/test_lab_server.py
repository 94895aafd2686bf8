"""Private Kamailio instances: start, schema, provisioning, clean-up."""

from __future__ import annotations

import os
import sqlite3

import pytest

from calltriage_lab import KamailioLab
from tests.lab_fixtures import require_kamailio

pytestmark = pytest.mark.lab


def test_a_lab_answers_json_rpc_and_leaves_nothing_behind():
    require_kamailio()
    with KamailioLab() as lab:
        assert lab.rpc("core.version").startswith("kamailio 5.")
        pid, directory = lab.pid, lab.dir
    assert not directory.exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole process group is gone


def test_the_lab_database_has_the_documented_tables(kamailio_lab):
    tables = {r[0] for r in kamailio_lab.db.sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"version", "subscriber", "dbaliases", "acc", "provisioning"} <= tables
    assert kamailio_lab.db.url == f"sqlite:///{kamailio_lab.db.path}"
    assert kamailio_lab.db.url.startswith("sqlite:////")


def test_provisioning_is_live_and_holds_the_app_settings(kamailio_lab):
    kamailio_lab.add_account("erin", "erin-pw", "+15550005", edition="enterprise")
    try:
        [row] = [a for a in kamailio_lab.db.accounts() if a["username"] == "erin"]
        assert (row["number"], row["edition"], row["transport"], row["port"], row["disabled"]) == (
            "+15550005", "enterprise", "tls", kamailio_lab.tls_port, 0)
        assert kamailio_lab.db.aliases("+15550005") == ["erin"]
        assert "password" not in row
    finally:
        kamailio_lab.remove_account("erin")
    assert kamailio_lab.db.aliases("+15550005") == []


def test_the_provisioning_table_refuses_an_unknown_edition(kamailio_lab):
    with pytest.raises(sqlite3.IntegrityError):
        kamailio_lab.add_account("frank", "pw", edition="home")
