"""`calltriage user …` and the CLI's operator identity (``actor_for``)."""

from __future__ import annotations

import pytest

from calltriage.errors import Unauthorized
from calltriage.services.operators import actor_for
from calltriage.store import Store
from tests.cli_runner import cli


def test_users_are_added_listed_given_a_token_and_disabled(db_url: str) -> None:
    added = cli("user", "add", "ana", "--role", "l1", "--password-stdin", "--json", db=db_url,
                stdin="correct horse battery\n").json()
    assert added["role"] == "L1" and added["level"] == 1
    token = cli("user", "token", "ana", "--label", "ticketing", "--json", db=db_url).json()["token"]
    assert token.startswith("ct_")
    assert [u["name"] for u in cli("user", "list", "--json", db=db_url).json()] == ["ana"]
    assert cli("user", "disable", "ana", db=db_url).code == 0
    assert cli("user", "list", "--json", db=db_url).json()[0]["disabled"] is True


def test_a_short_password_an_unknown_role_and_a_duplicate_are_one_line_errors(db_url: str) -> None:
    short = cli("user", "add", "ana", "--role", "L1", "--password-stdin", db=db_url, stdin="short\n")
    assert short.code == 1 and "at least 8 characters" in short.err
    role = cli("user", "add", "ana", "--role", "boss", "--password-stdin", db=db_url, stdin="long enough\n")
    assert role.code == 1 and "use one of L1, L2, L3, admin" in role.err
    cli("user", "add", "ana", "--role", "L1", "--password-stdin", db=db_url, stdin="long enough\n")
    again = cli("user", "add", "ana", "--role", "L2", "--password-stdin", db=db_url, stdin="long enough\n")
    assert again.code == 1 and "exists already" in again.err


def test_a_fresh_install_without_operators_lets_anyone_act_at_any_level(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert actor_for(store, "root").level is None
    finally:
        store.dispose()


def test_once_operators_exist_the_cli_acts_as_a_registered_operator_only(db_url: str) -> None:
    cli("user", "add", "ben", "--role", "L2", "--password-stdin", db=db_url, stdin="long enough\n")
    store = Store(db_url)
    try:
        assert actor_for(store, "ben").level == 2
        with pytest.raises(Unauthorized) as raised:
            actor_for(store, "root")
    finally:
        store.dispose()
    assert "--as" in str(raised.value)


def test_the_cli_enforces_the_operators_level(db_url: str) -> None:
    cli("user", "add", "ben", "--role", "L2", "--password-stdin", db=db_url, stdin="long enough\n")
    opened = cli("incident", "open", "--caller", "a", "--callee", "b", "--as", "ben", "--json", db=db_url).json()
    refused = cli("incident", "answer", str(opened["id"]), "met", "--as", "ben", db=db_url)
    assert refused.code == 1 and "level 1" in refused.err
