"""Pseudonyms: same input, same token within one document; identifiers found wherever they hide."""

from __future__ import annotations

from calltriage.services.pseudonym import Pseudonymizer


def _apply(doc: object, *parties: str) -> object:
    names = Pseudonymizer()
    for party in parties:
        names.add_party(party)
    names.learn(doc)
    return names.apply(doc)


def test_parties_get_the_first_tokens_and_keep_them_everywhere() -> None:
    texts = ["alice calls +15550002", "sip:alice@lab.test", "0015550002 and 15550002"]
    out = _apply(texts, "alice", "+15550002")
    assert out == ["user-1 calls +XX-0001", "sip:user-1@lab.test", "+XX-0001 and +XX-0001"]


def test_sip_user_parts_digest_usernames_display_names_and_aors_are_learned() -> None:
    out = _apply([
        'From: "Carol Example" <sip:carol@lab.test>;tag=1',
        'Authorization: Digest username="dave", realm="lab.test", response="[REDACTED]"',
        "Authorization failed for erin@lab.test",
        "later: carol, dave and erin again",
    ])
    assert out == [
        'From: "name-1" <sip:user-1@lab.test>;tag=1',
        'Authorization: Digest username="user-2", realm="lab.test", response="[REDACTED]"',
        "Authorization failed for user-3@lab.test",
        "later: user-1, user-2 and user-3 again",
    ]


def test_a_uri_without_a_user_part_names_a_domain_and_stays() -> None:
    assert _apply(["REGISTER sip:lab.test SIP/2.0"]) == ["REGISTER sip:lab.test SIP/2.0"]


def test_ipv4_and_ipv6_addresses_are_replaced_but_times_and_longer_addresses_are_not_confused() -> None:
    out = _apply(["10.0.0.1 and 10.0.0.10 at 10:00:00", "via [2001:db8::5]:5061", "again 10.0.0.1:5060"])
    assert out == ["ip-1 and ip-2 at 10:00:00", "via [ip-3]:5061", "again ip-1:5060"]


def test_identity_fields_in_evidence_are_learned_but_user_agents_are_not() -> None:
    doc = {"account": "bob", "typed": "+15550009", "user_agent": "PrivateGSM 3.1.0", "note": "bob's phone"}
    assert _apply(doc) == {"account": "user-1", "typed": "+XX-0001", "user_agent": "PrivateGSM 3.1.0",
                           "note": "user-1's phone"}


def test_skipped_keys_keep_playbook_vocabulary_but_free_subtrees_are_always_scanned() -> None:
    names = Pseudonymizer()
    names.add_party("connected")  # a username that is also an outcome name
    doc = {"outcome": "connected", "result": {"outcome": "connected", "summary": "connected from 192.0.2.1"}}
    names.learn(doc, skip={"outcome"}, free={"result"})
    assert names.apply(doc, skip={"outcome"}, free={"result"}) == {
        "outcome": "connected", "result": {"outcome": "user-1", "summary": "user-1 from ip-1"}}


def test_a_word_that_merely_contains_a_username_is_left_alone() -> None:
    assert _apply(["malice and alice-app.log"], "alice") == ["malice and user-1-app.log"]
