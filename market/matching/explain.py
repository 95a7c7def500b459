"""The one-line explanation of a match, in words a chamber of commerce can use."""

from __future__ import annotations

import math

import asyncpg

from market.matching.scoring import MIN_COUNTED_REQUESTS
from schemas.matches import MatchRoute
from schemas.organizations import Responsiveness

__all__ = ["explain", "responsiveness_phrase"]

_UNIT_LABELS = {
    "H87": "pcs",
    "C62": "units",
    "NAR": "items",
    "TNE": "t",
    "KGM": "kg",
    "MTQ": "m3",
    "LTR": "l",
}


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def responsiveness_phrase(figures: Responsiveness) -> str | None:
    """``answers 9 in 10 requests, usually within a day``; None while there is too little history
    to say (the score treats it as neutral then, too)."""
    share, median = figures.answered_share, figures.median_hours_to_answer
    if figures.requests_counted < MIN_COUNTED_REQUESTS or share is None:
        return None
    tenths = round(share * 10)
    if share == 1:
        answers = "answers every request"
    elif tenths == 10:
        answers = "answers nearly every request"
    else:
        answers = f"answers {tenths or 'fewer than 1'} in 10 requests"
    if median is None:
        return answers
    days = math.ceil(median / 24)
    return f"{answers}, usually within {'a day' if days <= 1 else f'{days} days'}"


def explain(
    offer: asyncpg.Record,
    demand: asyncpg.Record,
    route: MatchRoute | None,
    counterpart: Responsiveness,
) -> str:
    a, b = offer["hs_code"], demand["hs_code"]
    if a == b and len(a) == 6:
        commodity = f"same HS {a[:4]}"
    elif a[:4] == b[:4]:
        commodity = f"same HS heading {a[:4]}"
    elif a[:2] == b[:2]:
        commodity = f"same HS chapter {a[:2]}"
    else:
        commodity = "related goods (text match)"
    q_offer, q_demand = offer["quantity"], demand["quantity"]
    unit = _UNIT_LABELS.get(q_offer["unit"], q_offer["unit"])
    wanted_unit = _UNIT_LABELS.get(q_demand["unit"], q_demand["unit"])
    quantity = f"{_amount(q_offer['amount'])} {unit} vs {_amount(q_demand['amount'])} {wanted_unit} wanted"
    if route is None:
        where = "same place"
    elif not route.crossings:
        where = f"no border to cross, about {route.days:g} days by {'/'.join(route.modes)}"
    else:
        where = f"via {', '.join(route.crossings)}, about {route.days:g} days by {'/'.join(route.modes)}"
    answers = responsiveness_phrase(counterpart)
    return f"{commodity}, {quantity}, {where}" + (f"; {answers}" if answers else "")
