"""The banded edit distance the place autocomplete uses agrees with the plain Levenshtein one."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from market.geography.normalize import edit_distance


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


keys = st.text(alphabet="abcq", max_size=9)


@given(keys, keys, st.integers(min_value=0, max_value=3))
def test_the_band_gives_the_distance_or_one_past_the_limit(a: str, b: str, limit: int) -> None:
    assert edit_distance(a, b, limit) == min(levenshtein(a, b), limit + 1)


def test_known_distances() -> None:
    assert edit_distance("samarkant", "samarkand", 2) == 1
    assert edit_distance("tashkint", "tashkent", 2) == 1
    assert edit_distance("bishkek", "almaty", 2) == 3
