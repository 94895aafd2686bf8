"""Hypothesis strategies for planted secrets: random Unicode text and secret lines in every format."""

from __future__ import annotations

import string
from collections.abc import Callable

from hypothesis import strategies as st

# Characters whose case mapping changes the length or maps onto ASCII (dotted/dotless i, sharp s,
# ligatures, the Kelvin sign...): drawn often.
CASE_CHANGERS = "İıŞşĞğIiẞßǅǄﬃΩΣςKÅΐŉﬆ"
random_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(CASE_CHANGERS),
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029\x85"),
    ),
    max_size=300,
)
# Secret words: long enough not to occur by chance, from the characters passwords are made of.
secret_word = st.text(alphabet=string.ascii_letters + string.digits + "!#$%+-_.~", min_size=10, max_size=20)
digest_hex = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
any_case: st.SearchStrategy[Callable[[str], str]] = st.sampled_from(
    [str.lower, str.upper, str.title, str.swapcase, str])

# (key or scheme part, which takes any case; value part with {0}, {1}: secret words, {2}: a digest)
TEMPLATES = [
    ("password=", "{0}"),
    ('{"sipPassword": ', '"{0}"}}'),
    ('<string name="sip_password">', "{0}</string>"),
    ("<password>", "{0}</password>"),
    ("passphrase = ", "{0} {1}"),
    ("sip.account.password: ", "{0}"),
    ("Authorization: Basic ", "{0}"),
    ('Proxy-Authorization: Digest username="alice", response=', '"{2}"'),
    ("Cookie: sid=", "{0}; theme=dark"),
    ("Set-Cookie: session=", "{0}; Path=/"),
    ("<sip:alice:", "{0}@lab.test>"),
    ("sips:alice:", "{0}@lab.test"),
    ("http://alice:", "{0}@prov.lab.test/cfg"),
    ("--password ", '"{0} {1}"'),
]
# How a secret joins the text before it (its own line, a space, or glued to the previous word)
# and after it (its own line or a space: a value glued to the next word is one value).
_glue = st.tuples(st.sampled_from(["\n", "\n", " ", ""]), st.sampled_from(["\n", " "]))
picks = st.lists(st.tuples(st.sampled_from(TEMPLATES), any_case, _glue), min_size=1, max_size=4)
Pick = tuple[tuple[str, str], Callable[[str], str], tuple[str, str]]


def plant(chunks: list[str], words: tuple[str, str], digest: str, chosen: list[Pick]) -> tuple[str, list[str]]:
    """The log text (secret lines between the random chunks) and the secrets it holds."""
    values = (*words, digest)
    lines = [glue[0] + case(key) + value.format(*values) + glue[1] for (key, value), case, glue in chosen]
    secrets = [v for i, v in enumerate(values) if any(f"{{{i}}}" in value for (_, value), _, _ in chosen)]
    parts: list[str] = []
    for i, chunk in enumerate(chunks):
        parts.append(chunk)
        if i < len(lines):
            parts.append(lines[i])
    parts += lines[len(chunks):]
    return "".join(parts) + "\n", secrets


def occurs_by_chance(secrets: list[str], chunks: list[str]) -> bool:
    return any(s.lower() in chunk.lower() for s in secrets for chunk in chunks)
