"""The responsiveness phrase of a match's one-line explanation."""

from __future__ import annotations

import pytest

from market.introductions.responsiveness import NO_HISTORY
from market.matching.explain import responsiveness_phrase
from schemas.organizations import Responsiveness


def figures(counted: int, share: float | None, median: float | None) -> Responsiveness:
    return Responsiveness(
        requests_received=counted + 2,
        requests_counted=counted,
        answered_share=share,
        median_hours_to_answer=median,
        deals_reported=0,
    )


@pytest.mark.parametrize(
    ("counted", "share", "median", "phrase"),
    [
        (10, 0.9, 5.0, "answers 9 in 10 requests, usually within a day"),
        (10, 1.0, 24.0, "answers every request, usually within a day"),
        (40, 0.975, 30.0, "answers nearly every request, usually within 2 days"),
        (10, 0.3, 200.0, "answers 3 in 10 requests, usually within 9 days"),
        (10, 0.0, None, "answers fewer than 1 in 10 requests"),
    ],
)
def test_the_phrase_is_short(counted: int, share: float, median: float | None, phrase: str) -> None:
    assert responsiveness_phrase(figures(counted, share, median)) == phrase


def test_no_phrase_without_history() -> None:
    assert responsiveness_phrase(NO_HISTORY) is None
    assert responsiveness_phrase(figures(2, 1.0, 1.0)) is None  # too few to judge, as in the score
