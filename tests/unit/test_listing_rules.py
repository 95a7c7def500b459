"""Listing rules and problem-detail field naming, without any service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from market.errors import InvalidInput, field_error
from market.listings.validation import check_listing
from market.places import near_places, parse_near
from schemas.listings import ListingCreate
from search.documents import ListingSource, listing_to_document
from tests.helpers import demand_body, offer_body

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def listing(**overrides: object) -> ListingCreate:
    return msgspec.convert(offer_body(**overrides), ListingCreate)


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    assert exc.value.errors is not None
    return {e.field for e in exc.value.errors}


def test_a_good_offer_and_demand_pass() -> None:
    check_listing(listing(), now=NOW)
    check_listing(msgspec.convert(demand_body(), ListingCreate), now=NOW)


def test_every_broken_rule_is_named_at_once() -> None:
    bad = listing(
        hs_code="999998",
        price={"amount": "1.00", "currency": "XYZ", "per": "BOX"},
        origin=None,
        target_countries=["KZ", "XX"],
        available_from="2027-05-01",
        available_until="2027-04-01",
    )
    with pytest.raises(InvalidInput) as exc:
        check_listing(bad, now=NOW)
    assert fields_of(exc) == {
        "hs_code",
        "price.currency",
        "price.per",
        "origin",
        "target_countries.1",
        "available_until",
    }


def test_expiry_bounds() -> None:
    with pytest.raises(InvalidInput) as past:
        check_listing(listing(expires_at=(NOW - timedelta(days=1)).isoformat()), now=NOW)
    assert fields_of(past) == {"expires_at"}
    with pytest.raises(InvalidInput) as far:
        check_listing(listing(expires_at=(NOW + timedelta(days=366)).isoformat()), now=NOW)
    assert fields_of(far) == {"expires_at"}
    check_listing(listing(expires_at=(NOW + timedelta(days=365)).isoformat()), now=NOW)


def test_min_order_rules() -> None:
    with pytest.raises(InvalidInput) as more:
        check_listing(listing(min_order={"amount": 30000, "unit": "H87"}), now=NOW)
    assert fields_of(more) == {"min_order.amount"}
    with pytest.raises(InvalidInput) as unit:
        check_listing(listing(min_order={"amount": 1, "unit": "KGM"}), now=NOW)
    assert fields_of(unit) == {"min_order.unit"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"message": "Object contains unknown field `bogus`", "key": "data", "source": "body"}, "bogus"),
        (
            {"message": "Object contains unknown field `foo`", "key": "quantity", "source": "body"},
            "quantity.foo",
        ),
        ({"message": "Object missing required field `title`", "key": "data", "source": "body"}, "title"),
        (
            {"message": "Expected `float`, got `str`", "key": "quantity.amount", "source": "body"},
            "quantity.amount",
        ),
        (
            {
                "message": "Expected `str` matching regex '^[A-Z]{2}$'",
                "key": "target_countries[1]",
                "source": "body",
            },
            "target_countries.1",
        ),
        ({"message": "Expected `object`, got `array`", "key": "data", "source": "body"}, "body"),
        ({"message": "Expected `int`, got `str`", "key": "limit", "source": "query"}, "limit"),
    ],
)
def test_field_errors_name_the_field(raw: dict[str, str], field: str) -> None:
    assert field_error(raw).field == field


def test_regex_messages_become_hints() -> None:
    error = field_error(
        {"message": "Expected `str` matching regex '^\\d{4}$'", "key": "hs_code", "source": "body"}
    )
    assert "regex" not in error.message and "691200" in error.message


@pytest.mark.parametrize(
    "value", ["abc", "1,2", "1,2,3,4", "91,0,10", "0,181,10", "0,0,0", "0,0,-5", "nan,0,10", "0,0,inf"]
)
def test_parse_near_rejects(value: str) -> None:
    with pytest.raises(InvalidInput):
        parse_near(value)


def test_parse_near_accepts() -> None:
    assert parse_near("41.31,69.28,300") == (41.31, 69.28, 300)
    # Tashkent's hub is inside a 50 km circle on the city; Samarkand (about 270 km) is not.
    assert "UZTAS" in near_places("41.31,69.28,50")
    assert len(near_places("41.31,69.28,50")) < len(near_places("41.31,69.28,400"))
    assert near_places("0,0,10") == ()


def test_documents_carry_public_fields_only() -> None:
    source = ListingSource(
        id="1",
        organization_id="o",
        organization_name="Org",
        organization_kind="exporter",
        organization_country="UZ",
        verified=False,
        side="offer",
        status="active",
        title="t",
        description="d",
        hs_code="691200",
        hs_description="Ceramic tableware",
        quantity={"amount": 1, "unit": "H87"},
        price={"amount": "1.80", "currency": "USD", "per": "H87"},
        incoterm="DAP",
        origin={"country": "UZ", "city": "Tashkent"},
        destination=None,
        target_countries=["KZ"],
        transport_modes=["road"],
        certifications=[],
        expires_at=NOW,
        created_at=NOW,
        version=3,
    )
    doc = listing_to_document(source)
    assert doc["hs_chapter"] == "69" and doc["hs_heading"] == "6912"
    assert doc["price_amount"] == 1.8 and doc["version"] == 3
    assert "_geo" not in doc and doc["place_id"] is None  # no place id was resolved
    assert "contact" not in str(doc) and "external_ref" not in doc
