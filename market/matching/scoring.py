"""Match scoring: pure functions from an offer and a demand to a score in 0..1 and its parts.

Each part is 0..1; the total is their weighted sum (weights add up to 1):

    commodity      0.30  same 6-digit code 1.0 > same heading 0.8 > same chapter 0.5 > text only 0.2
    route          0.20  a feasible route from the offer's origin to the demand's destination over
                         modes both accept and open crossings; fewer days and crossings score higher
    quantity       0.15  how much of the demand the offer covers, and whether its minimum order fits
    price          0.10  the offer's price against the demand's target, in USD (rates table, as of a date)
    timing         0.10  the offer's availability window against the demand's
    trust          0.05  the counterpart is verified by a chamber of commerce
    freshness      0.05  newer listings rank higher; a 90-day-old one scores the floor
    responsiveness 0.05  the counterpart answers introduction requests, and soon; no history is neutral
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import msgspec

__all__ = [
    "MIN_COUNTED_REQUESTS",
    "UNKNOWN",
    "WEIGHTS",
    "Rates",
    "commodity_part",
    "freshness_part",
    "price_part",
    "quantity_part",
    "rates",
    "responsiveness_part",
    "route_part",
    "timing_part",
    "total",
    "trust_part",
]

WEIGHTS: dict[str, float] = {
    "commodity": 0.30,
    "route": 0.20,
    "quantity": 0.15,
    "price": 0.10,
    "timing": 0.10,
    "trust": 0.05,
    "freshness": 0.05,
    "responsiveness": 0.05,
}
UNKNOWN = 0.5
"""The part's value when one side does not say (no price, no window): neither good nor bad."""

# Mass units convert; other units compare only with themselves.
_TO_KG = {"KGM": Decimal(1), "TNE": Decimal(1000), "GRM": Decimal("0.001")}


class Rates(msgspec.Struct, frozen=True, kw_only=True):
    as_of: date
    base: str
    source: str
    estimate: bool
    per_usd: dict[str, float]

    def to_usd(self, amount: Decimal, currency: str) -> Decimal | None:
        rate = self.per_usd.get(currency)
        return None if rate is None else amount / Decimal(str(rate))


@lru_cache(maxsize=1)
def rates() -> Rates:
    raw = (resources.files("market") / "data" / "rates.json").read_bytes()
    return msgspec.json.decode(raw, type=Rates)


def commodity_part(offer_hs: str, demand_hs: str) -> float:
    if len(offer_hs) == len(demand_hs) == 6 and offer_hs == demand_hs:
        return 1.0
    if offer_hs[:4] == demand_hs[:4]:
        return 0.8
    if offer_hs[:2] == demand_hs[:2]:
        return 0.5
    return 0.2


def _in_kg(amount: float, unit: str) -> Decimal | None:
    factor = _TO_KG.get(unit)
    return None if factor is None else Decimal(str(amount)) * factor


def _comparable(a: float, a_unit: str, b: float, b_unit: str) -> tuple[Decimal, Decimal] | None:
    if a_unit == b_unit:
        return Decimal(str(a)), Decimal(str(b))
    x, y = _in_kg(a, a_unit), _in_kg(b, b_unit)
    return None if x is None or y is None else (x, y)


def quantity_part(
    offered: float, offered_unit: str, min_order: float | None, wanted: float, wanted_unit: str
) -> float:
    """Share of the demand the offer covers; a minimum order above the demand costs most of it."""
    pair = _comparable(offered, offered_unit, wanted, wanted_unit)
    if pair is None:
        return UNKNOWN
    have, want = pair
    coverage = float(min(have / want, Decimal(1)))
    if min_order is not None:
        floor = _comparable(min_order, offered_unit, wanted, wanted_unit)
        if floor is not None and floor[0] > floor[1]:
            return round(0.2 * coverage, 3)
    return round(coverage, 3)


def price_part(offer_price: dict | None, demand_price: dict | None) -> float:
    """1.0 at or under the target; 20% over scores 0.6, 50% over or more scores 0."""
    if not offer_price or not demand_price or offer_price["per"] != demand_price["per"]:
        return UNKNOWN
    table = rates()
    asked = table.to_usd(Decimal(offer_price["amount"]), offer_price["currency"])
    target = table.to_usd(Decimal(demand_price["amount"]), demand_price["currency"])
    if asked is None or target is None or target <= 0:
        return UNKNOWN
    over = float(asked / target) - 1
    return 1.0 if over <= 0 else round(max(0.0, 1 - 2 * over), 3)


def timing_part(
    offer_from: date | None, offer_until: date | None, demand_from: date | None, demand_until: date | None
) -> float:
    """1.0 when the windows overlap; a gap costs a little per day (90 days apart scores 0)."""
    if (offer_from, offer_until) == (None, None) or (demand_from, demand_until) == (None, None):
        return UNKNOWN
    starts = [d for d in (offer_from, demand_from) if d is not None]
    ends = [d for d in (offer_until, demand_until) if d is not None]
    if not starts or not ends or max(starts) <= min(ends):
        return 1.0
    return round(max(0.0, 1 - (max(starts) - min(ends)).days / 90), 3)


def route_part(days: float | None, crossings: int) -> float:
    """No route scores 0; the same place 1; otherwise fewer days and fewer borders score higher."""
    if days is None:
        return 0.0
    return round(max(0.05, 1 / (1 + days / 7) - 0.05 * crossings), 3)


def trust_part(verified: bool) -> float:
    return 1.0 if verified else UNKNOWN


def freshness_part(created_at: datetime, now: datetime) -> float:
    age_days = max(0.0, (now - created_at).total_seconds() / 86400)
    return round(max(0.2, 1 - age_days / 90), 3)


MIN_COUNTED_REQUESTS = 3
"""Below this many requests to judge by, an organization's answers say too little: neutral."""
_ANSWERED_WITHIN_HOURS = (24.0, 336.0)  # full marks within a day; none at 14 days, when requests expire


def responsiveness_part(counted: int, answered_share: float | None, median_hours: float | None) -> float:
    """Mostly the share of requests answered, partly how fast (the median); neutral without history,
    so a new organization is not ranked below one that ignores its requests."""
    if counted < MIN_COUNTED_REQUESTS or answered_share is None:
        return UNKNOWN
    fast, slow = _ANSWERED_WITHIN_HOURS
    speed = 0.0 if median_hours is None else min(1.0, max(0.0, (slow - median_hours) / (slow - fast)))
    return round(0.7 * answered_share + 0.3 * speed, 3)


def total(parts: dict[str, float]) -> float:
    return round(sum(WEIGHTS[name] * value for name, value in parts.items()), 3)
