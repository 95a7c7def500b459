"""Listing rules beyond the shape: vocabularies, required places, time windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from market.code_lookups import hs_entry, is_country, is_currency, is_incoterm, is_unit
from market.errors import InvalidInput
from schemas.common import FieldError
from schemas.listings import ListingCreate, Price, Quantity

__all__ = [
    "DEFAULT_LIFETIME",
    "MAX_LIFETIME",
    "Complain",
    "check_incoterm",
    "check_listing",
    "check_price",
    "check_quantity",
    "check_window",
]

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)


Complain = Callable[[str, str], None]
"""Records one broken rule: (field, message)."""


def check_quantity(bad: Complain, name: str, qty: Quantity) -> None:
    if not is_unit(qty.unit):
        bad(f"{name}.unit", f"'{qty.unit}' is not a supported UN/CEFACT Rec 20 unit (e.g. TNE, KGM, H87)")


def check_price(bad: Complain, name: str, price: Price) -> None:
    if not is_currency(price.currency):
        bad(f"{name}.currency", f"'{price.currency}' is not an ISO 4217 currency code")
    if not is_unit(price.per):
        bad(f"{name}.per", f"'{price.per}' is not a supported UN/CEFACT Rec 20 unit")
    if Decimal(price.amount) <= 0:
        bad(f"{name}.amount", "the price must be greater than zero")


def check_incoterm(bad: Complain, prefix: str, incoterm: str | None, place: str | None) -> None:
    if incoterm is not None and not is_incoterm(incoterm):
        bad(
            f"{prefix}incoterm",
            f"'{incoterm}' is not an Incoterms 2020 rule (EXW, FCA, CPT, CIP, DAP, DPU, DDP, ...)",
        )
    if place is not None and incoterm is None:
        bad(f"{prefix}incoterm_place", "a named place needs an incoterm")


def check_window(bad: Complain, prefix: str, start: date | None, end: date | None) -> None:
    if start and end and end < start:
        bad(f"{prefix}available_until", "the window ends before it starts (available_until < available_from)")


def check_listing(data: ListingCreate, *, now: datetime | None = None, is_new: bool = True) -> None:
    """Raise InvalidInput naming every field that breaks a rule; return quietly if none does."""
    now = now or datetime.now(UTC)
    errors: list[FieldError] = []

    def bad(field: str, message: str) -> None:
        errors.append(FieldError(field=field, message=message))

    entry = hs_entry(data.hs_code) if data.hs_code else None
    if data.hs_code is None:
        if data.status != "draft":
            bad(
                "hs_code",
                "an HS code is needed to publish; post a draft to get suggestions, or see /v1/commodities",
            )
    elif entry is None:
        bad(
            "hs_code",
            f"'{data.hs_code}' is not in the HS nomenclature; GET /v1/commodities?q=... suggests codes",
        )
    for name, qty in (("quantity", data.quantity), ("min_order", data.min_order)):
        if qty is not None:
            check_quantity(bad, name, qty)
    if data.min_order is not None:
        if data.side != "offer":
            bad("min_order", "only offers have a minimum order")
        elif data.min_order.unit == data.quantity.unit and data.min_order.amount > data.quantity.amount:
            bad("min_order.amount", "the minimum order cannot exceed the quantity offered")
        elif data.min_order.unit != data.quantity.unit:
            bad("min_order.unit", f"use the quantity's unit ({data.quantity.unit})")
    if data.price is not None:
        check_price(bad, "price", data.price)
    check_incoterm(bad, "", data.incoterm, data.incoterm_place)
    for name, place in (("origin", data.origin), ("destination", data.destination)):
        if place is not None and not is_country(place.country):
            bad(f"{name}.country", f"'{place.country}' is not an ISO 3166-1 alpha-2 country code")
    if data.side == "offer" and data.origin is None:
        bad("origin", "an offer needs an origin {country, city}")
    if data.side == "demand" and data.destination is None:
        bad("destination", "a demand needs a destination {country, city}")
    for i, country in enumerate(data.target_countries):
        if not is_country(country):
            bad(f"target_countries.{i}", f"'{country}' is not an ISO 3166-1 alpha-2 country code")
    check_window(bad, "", data.available_from, data.available_until)
    if data.expires_at is not None:
        if data.expires_at.tzinfo is None:
            bad("expires_at", "give a time zone, e.g. 2027-03-01T00:00:00Z")
        elif is_new and data.expires_at <= now:
            bad("expires_at", "must be in the future")
        elif data.expires_at > now + MAX_LIFETIME:
            bad("expires_at", "a listing may run at most 365 days; renew it later")
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
