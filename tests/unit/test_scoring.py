"""The score's parts, each a pure function."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from market.matching import scoring


def test_weights_add_up_to_one() -> None:
    assert sum(scoring.WEIGHTS.values()) == pytest.approx(1.0)
    assert scoring.total(dict.fromkeys(scoring.WEIGHTS, 1.0)) == 1.0
    assert scoring.total(dict.fromkeys(scoring.WEIGHTS, 0.0)) == 0.0


@pytest.mark.parametrize(
    ("offer", "demand", "expected"),
    [
        ("691200", "691200", 1.0),
        ("691200", "6912", 0.8),
        ("691110", "691200", 0.5),
        ("691200", "110100", 0.2),
    ],
)
def test_commodity(offer: str, demand: str, expected: float) -> None:
    assert scoring.commodity_part(offer, demand) == expected


def test_quantity_coverage_units_and_minimum_order() -> None:
    assert scoring.quantity_part(20000, "H87", 2000, 15000, "H87") == 1.0
    assert scoring.quantity_part(5000, "H87", None, 10000, "H87") == 0.5
    assert scoring.quantity_part(2, "TNE", None, 1000, "KGM") == 1.0  # tonnes and kilograms compare
    assert scoring.quantity_part(100, "TNE", 60, 50, "TNE") == 0.2  # the minimum order is above the demand
    assert scoring.quantity_part(100, "H87", None, 10, "MTK") == scoring.UNKNOWN


def test_price_in_a_common_currency() -> None:
    usd = {"amount": "100.00", "currency": "USD", "per": "TNE"}
    assert scoring.price_part(usd, {"amount": "100.00", "currency": "USD", "per": "TNE"}) == 1.0
    assert scoring.price_part(usd, {"amount": "80.00", "currency": "USD", "per": "TNE"}) == pytest.approx(0.5)
    rate = scoring.rates().per_usd["KZT"]
    in_kzt = {"amount": f"{100 * rate:.2f}", "currency": "KZT", "per": "TNE"}
    assert scoring.price_part(usd, in_kzt) == 1.0
    assert scoring.price_part(usd, None) == scoring.UNKNOWN
    assert scoring.price_part(usd, {"amount": "100.00", "currency": "USD", "per": "KGM"}) == scoring.UNKNOWN


def test_timing_windows() -> None:
    d = date(2027, 1, 1)
    assert scoring.timing_part(d, d + timedelta(days=30), d + timedelta(days=10), None) == 1.0
    assert scoring.timing_part(d, d + timedelta(days=10), d + timedelta(days=55), None) == pytest.approx(0.5)
    assert scoring.timing_part(None, None, d, None) == scoring.UNKNOWN


def test_route_trust_freshness() -> None:
    assert scoring.route_part(None, 0) == 0.0
    assert scoring.route_part(1, 1) > scoring.route_part(5, 2) > scoring.route_part(12, 3)
    assert scoring.trust_part(True) == 1.0 and scoring.trust_part(False) == scoring.UNKNOWN
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert scoring.freshness_part(now, now) == 1.0
    assert scoring.freshness_part(now - timedelta(days=200), now) == 0.2


def test_price_gave_responsiveness_its_weight() -> None:
    assert scoring.WEIGHTS["price"] == 0.10 and scoring.WEIGHTS["responsiveness"] == 0.05
    assert len(scoring.WEIGHTS) == 8


@pytest.mark.parametrize(
    ("counted", "share", "median"),
    [(0, None, None), (1, 1.0, 1.0), (2, 0.0, None), (2, 1.0, 400.0)],
)
def test_responsiveness_without_history_is_neutral(
    counted: int, share: float | None, median: float | None
) -> None:
    assert scoring.responsiveness_part(counted, share, median) == scoring.UNKNOWN == 0.5


def test_responsiveness_bounds() -> None:
    assert scoring.responsiveness_part(3, 1.0, 0.5) == 1.0  # every request answered within the hour
    assert scoring.responsiveness_part(3, 0.0, None) == 0.0  # none answered: no speed either
    assert scoring.responsiveness_part(50, 1.0, 336.0) == 0.7  # all answered, but at the last moment
    assert scoring.responsiveness_part(50, 0.5, 10.0) == pytest.approx(0.65)


@pytest.mark.parametrize(
    ("median", "speed"),
    [(0.0, 1.0), (24.0, 1.0), (102.0, 0.75), (180.0, 0.5), (336.0, 0.0), (1000.0, 0.0)],
)
def test_responsiveness_speed_falls_linearly_from_a_day_to_fourteen(median: float, speed: float) -> None:
    # with nothing answered the share adds nothing, so what is left is 0.3 of the speed
    assert scoring.responsiveness_part(10, 0.0, median) == pytest.approx(round(0.3 * speed, 3))
    assert scoring.responsiveness_part(10, 1.0, median) == pytest.approx(round(0.7 + 0.3 * speed, 3))
