"""The signature catalogue is data: the shipped one is valid and documented, broken ones are
refused with the file, the line and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from calltriage.clientlog.signatures import SUPPORTS, load_catalogue, parse_catalogue
from calltriage.clientlog.transactions import TRANSACTION_FACTS
from calltriage.errors import ConfigError

DOC = Path(__file__).resolve().parents[2] / "docs" / "clientlog.md"

GOOD = """\
version: 1
signatures:
  - id: only-one
    title: One
    cause: Something.
    supports: connection
    weight: 0.5
    when:
      all:
        - {fact: register_timeout, min: 1}
"""


def broken(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_catalogue(text, "mine.yaml")
    message = str(info.value)
    assert "\n" not in message and message.startswith("mine.yaml")
    return message


def test_the_shipped_catalogue_loads_with_unique_ids_and_known_outcomes() -> None:
    catalogue = load_catalogue()
    ids = catalogue.ids()
    assert len(ids) == len(set(ids)) >= 12
    assert {s.supports for s in catalogue.signatures} <= set(SUPPORTS)
    for expected in ("wrong-credentials", "tls-certificate", "callee-unreachable", "account-forbidden",
                     "repeated-crash", "registration-loop"):
        assert expected in ids


def test_every_signature_fact_and_event_kind_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", doc, re.M))
    for sig in load_catalogue().signatures:
        assert sig.id in documented, f"signature {sig.id} is missing from docs/clientlog.md"
        assert sig.title in doc
    for fact in TRANSACTION_FACTS:
        assert f"`{fact}`" in doc, f"fact {fact} is missing from docs/clientlog.md"


def test_a_valid_catalogue_file_can_replace_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "sigs.yaml"
    path.write_text(GOOD)
    assert load_catalogue(path).ids() == ["only-one"]


def test_an_unknown_fact_is_refused_with_its_line_and_the_known_names() -> None:
    message = broken(GOOD.replace("register_timeout", "register_timeot"))
    assert message.startswith("mine.yaml:10:")
    assert "unknown fact 'register_timeot'" in message and "register_timeout" in message


def test_an_unknown_outcome_is_refused() -> None:
    assert "supports 'fix-it' is not one of" in broken(GOOD.replace("supports: connection", "supports: fix-it"))


def test_a_duplicate_id_is_refused() -> None:
    second = GOOD.split("signatures:\n", 1)[1]
    assert "duplicate signature id 'only-one'" in broken(GOOD + second)


def test_missing_keys_and_bad_weights_are_refused() -> None:
    assert "missing keys ['cause']" in broken(GOOD.replace("    cause: Something.\n", ""))
    assert "weight must be a number in (0, 1]" in broken(GOOD.replace("weight: 0.5", "weight: 3"))


def test_an_unknown_event_detail_is_refused() -> None:
    text = GOOD.replace("{fact: register_timeout, min: 1}", "{event: tls-error, detail: [expired-ish]}")
    assert "unknown event detail 'expired-ish'" in broken(text)


def test_a_condition_needs_a_fact_or_an_event() -> None:
    assert "exactly one of 'fact' or 'event'" in broken(GOOD.replace("fact: register_timeout, ", ""))


def test_broken_yaml_is_refused_in_one_line() -> None:
    assert "not valid YAML" in broken("version: 1\nsignatures: [\n")


def test_a_missing_catalogue_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read signature catalogue"):
        load_catalogue(tmp_path / "nope.yaml")
