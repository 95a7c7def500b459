"""Hypothesis strategies for hostile text, shared by the filter property tests."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["FRAGMENTS", "hostile_text", "hostile_variants"]

# Pieces an attacker would reach for, mixed with arbitrary text below.
FRAGMENTS = [
    '"',
    "\\",
    '\\"',
    "\\\\",
    "'",
    "OR",
    "AND",
    "NOT",
    "TO",
    "EXISTS",
    "IS NULL",
    "IS EMPTY",
    "IN",
    " OR side = ",
    '" OR status = "draft',
    '") OR ("1" = "1',
    "status != active",
    "_geoRadius(0, 0, 1)",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "!=",
    ">=",
    " ",
    "\t",
    "\n",
    "\r",
    "\x00",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte order mark
    "\U0001f600",  # emoji
    "\U0001f1fa\U0001f1ff",  # a flag: two regional indicators
    "о",  # Cyrillic o, looks like a Latin o
    "ʼ",  # modifier apostrophe
    "＂",  # fullwidth quotation mark
]

hostile_text = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=12).map("".join),
    st.text(),
    # very long: a hostile piece repeated, cheaper to draw than thousands of random characters
    st.builds(lambda piece, times: piece * times, st.sampled_from(FRAGMENTS), st.integers(500, 3000)),
)


def hostile_variants(valid: list[str]) -> st.SearchStrategy[str]:
    """A parameter's valid values, hostile text, and the two glued together either way round."""
    good = st.sampled_from(valid)
    return st.one_of(
        good,
        hostile_text,
        st.tuples(good, hostile_text).map("".join),
        st.tuples(hostile_text, good).map("".join),
    )
