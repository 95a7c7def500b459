"""The ``near`` pattern states the whole rule: every circle it takes is one the server reads, and
every circle in range (to the metre) is one it takes; ``0,0,0`` and ``91,0,10`` were taken by
the pattern and then refused as 422."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.places import parse_near
from schemas.common import NEAR_PATTERN


@settings(max_examples=500, deadline=None)
@given(st.from_regex(NEAR_PATTERN, fullmatch=True))
def test_every_circle_the_pattern_takes_is_read(circle: str) -> None:
    parse_near(circle)


@settings(max_examples=500, deadline=None)
@given(
    st.decimals(-90, 90, places=3),
    st.decimals(-180, 180, places=3),
    st.decimals(Decimal("0.001"), 5000, places=3),
)
def test_every_circle_in_range_is_taken(lat: Decimal, lon: Decimal, km: Decimal) -> None:
    assert re.search(NEAR_PATTERN, f"{lat},{lon},{km}")


@pytest.mark.parametrize(
    "circle", ["0,0,0", "0,0,0.000", "91,0,10", "90.1,0,1", "0,181,10", "0,0,5000.001", "0,0,-5", "1,2"]
)
def test_out_of_range_circles_break_the_pattern(circle: str) -> None:
    assert re.search(NEAR_PATTERN, circle) is None
