"""The terms of a proposal or a quote, checked with the listing rules (market.listings.validation)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from market.errors import InvalidInput
from market.listings.validation import check_incoterm, check_price, check_quantity, check_window
from schemas.common import FieldError
from schemas.introductions import Proposal, Quote

__all__ = ["QUOTE_VALIDITY", "check_proposal"]

QUOTE_VALIDITY = timedelta(days=365)
"""How far ahead a quote may be valid."""


def check_proposal(proposal: Proposal, field: str) -> None:
    """Raise InvalidInput naming every term of ``proposal`` (at ``field``) that breaks a rule."""
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(field=name, message=message))

    terms = [
        proposal.quantity,
        proposal.price,
        proposal.incoterm,
        proposal.available_from,
        proposal.available_until,
    ]
    if all(term is None for term in terms):
        bad(field, "name at least one term: quantity, price, incoterm or available_from/available_until")
    if proposal.quantity is not None:
        check_quantity(bad, f"{field}.quantity", proposal.quantity)
    if proposal.price is not None:
        check_price(bad, f"{field}.price", proposal.price)
    check_incoterm(bad, f"{field}.", proposal.incoterm, proposal.incoterm_place)
    check_window(bad, f"{field}.", proposal.available_from, proposal.available_until)
    if isinstance(proposal, Quote):
        today = datetime.now(UTC).date()
        if proposal.valid_until < today:
            bad(f"{field}.valid_until", "a quote must be valid today or later")
        elif proposal.valid_until > today + QUOTE_VALIDITY:
            bad(f"{field}.valid_until", "a quote may be valid for at most 365 days")
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
