"""The pure rules of renewal and saved searches: end dates, filters, the confirming query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from market.alerts.matcher import confirm_query
from market.alerts.service import check_filters
from market.errors import InvalidInput
from market.listings.lifecycle import renewal_date
from schemas.alerts import AlertFilters
from schemas.listings import ListingRenew

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def field_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in exc.value.errors or []]


def test_renewal_defaults_to_ninety_days_and_takes_days_or_a_date() -> None:
    assert renewal_date(ListingRenew(), NOW) == NOW + timedelta(days=90)
    assert renewal_date(ListingRenew(days=1), NOW) == NOW + timedelta(days=1)
    assert renewal_date(ListingRenew(days=365), NOW) == NOW + timedelta(days=365)
    wanted = NOW + timedelta(days=200)
    assert renewal_date(ListingRenew(expires_at=wanted), NOW) == wanted


@pytest.mark.parametrize(
    ("renew", "field"),
    [
        (ListingRenew(expires_at=NOW - timedelta(minutes=1)), "expires_at"),
        (ListingRenew(expires_at=NOW), "expires_at"),
        (ListingRenew(expires_at=NOW + timedelta(days=366)), "expires_at"),
        (ListingRenew(expires_at=datetime(2027, 5, 1, 0, 0)), "expires_at"),  # no time zone
        (ListingRenew(expires_at=NOW + timedelta(days=3), days=3), "days"),
    ],
)
def test_renewal_refuses_dates_out_of_bounds(renew: ListingRenew, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        renewal_date(renew, NOW)
    assert field_of(exc) == [field]


def test_filters_are_trimmed_and_near_becomes_places() -> None:
    filters, places = check_filters(AlertFilters(q="  flour  ", near="41.31,69.28,50"))
    assert filters.q == "flour"
    assert places and "UZTAS" in places
    assert check_filters(AlertFilters(side="offer"))[1] is None


@pytest.mark.parametrize(
    ("filters", "fields"),
    [
        (AlertFilters(), ["filters"]),
        (AlertFilters(q="   "), ["filters"]),
        (AlertFilters(hs_code="9998"), ["filters.hs_code"]),
        (AlertFilters(origin_country="XX"), ["filters.origin_country"]),
        (
            AlertFilters(destination_country="QQ", incoterm="ABC"),
            ["filters.destination_country", "filters.incoterm"],
        ),
        (AlertFilters(near="41.31,69.28"), ["filters.near"]),
        (AlertFilters(near="91,69.28,10"), ["filters.near"]),
        (AlertFilters(near="0.0,-160.0,10"), ["filters.near"]),  # the middle of the Pacific: no place
    ],
)
def test_filters_that_could_never_match_are_refused(filters: AlertFilters, fields: list[str]) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_filters(filters)
    assert field_of(exc) == fields


def test_the_confirming_query_is_the_search_narrowed_to_one_listing() -> None:
    listing_id, organization_id, poster = uuid4(), uuid4(), uuid4()
    created = datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=UTC)
    candidate = {
        "listing_id": listing_id,
        "listing_organization_id": poster,
        "listing_created_at": created,
        "organization_id": organization_id,
        "filters": {"q": "plates", "side": "offer", "hs_code": "69"},
        "place_ids": ["UZTAS", 'X"injected'],
    }
    body = confirm_query(candidate)
    assert body["q"] == "plates"
    assert body["attributesToRetrieve"] == ["id"]  # the matcher then looks for the listing's id
    assert body["matchingStrategy"] == "all"
    clauses = body["filter"]
    assert '(status = "active")' in clauses and '(side = "offer")' in clauses
    assert '(hs_chapter = "69")' in clauses
    assert f'(organization_id != "{organization_id}")' in clauses
    assert '(place_id IN ["UZTAS", "X\\"injected"])' in clauses
    ts = created.timestamp()
    assert clauses.endswith(
        f'AND (organization_id = "{poster}") AND (created_at_ts {ts - 0.001!r} TO {ts + 0.001!r})'
    )
