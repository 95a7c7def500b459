"""The filter builder: values are always quoted, attributes always allowlisted."""

from __future__ import annotations

import pytest

from search.filters import FilterBuilder, quote
from search.queries import ListingQuery, build_listing_filter


def test_quote_escapes_backslashes_then_quotes() -> None:
    assert quote("UZ") == '"UZ"'
    assert quote('UZ" OR side = "demand') == '"UZ\\" OR side = \\"demand"'
    assert quote("KZ\\") == '"KZ\\\\"'
    assert quote('\\"') == '"\\\\\\""'


def test_unknown_attribute_is_refused() -> None:
    with pytest.raises(ValueError, match="not a filterable"):
        FilterBuilder().equals("contact", "x")
    with pytest.raises(ValueError, match="not a filterable"):
        FilterBuilder().greater_than("side", 3)  # a string attribute used as a number


def test_numbers_must_be_finite() -> None:
    with pytest.raises(ValueError):
        FilterBuilder().greater_than("expires_at_ts", float("nan"))


def test_every_clause_is_parenthesised_and_anded() -> None:
    built = FilterBuilder().equals("side", "offer").one_of("origin_country", ["KZ", "UZ"]).build()
    assert built == '(side = "offer") AND (origin_country IN ["KZ", "UZ"])'
    assert FilterBuilder().build() is None


def test_listing_filter_always_keeps_the_server_part_first() -> None:
    built = build_listing_filter(
        ListingQuery(
            side="demand", hs_code="1101", origin_country='KZ" OR "1"="1', place_ids=("UZTAS", "UZANG")
        ),
        now=1_000,
    )
    assert built.startswith('(status = "active") AND (expires_at_ts > 1000)')
    assert '(hs_heading = "1101")' in built
    assert '(origin_country = "KZ\\" OR \\"1\\"=\\"1")' in built
    assert '(place_id IN ["UZTAS", "UZANG"])' in built


def test_counterpart_country_clauses_keep_listings_that_name_no_country() -> None:
    built = build_listing_filter(
        ListingQuery(origin_country_in=("UZ", 'KG"'), destination_country_in=("TJ",), serves_country="KZ"),
        now=0,
    )
    assert '(origin_country IN ["UZ", "KG\\""] OR origin_country IS NULL)' in built
    assert '(destination_country IN ["TJ"] OR destination_country IS NULL)' in built
    assert '(target_countries = "KZ" OR target_countries IS EMPTY)' in built
    with pytest.raises(ValueError, match="at least one"):
        FilterBuilder().one_of_or_null("origin_country", [])


@pytest.mark.parametrize(
    ("code", "attribute"), [("10", "hs_chapter"), ("1001", "hs_heading"), ("100199", "hs_code")]
)
def test_hs_prefix_picks_the_level(code: str, attribute: str) -> None:
    assert f'({attribute} = "{code}")' in build_listing_filter(ListingQuery(hs_code=code), now=0)


def test_settings_comparison_ignores_the_order_of_attribute_sets() -> None:
    from search.indexes import settings_differ as _differs

    desired = {"sortableAttributes": ["price_amount", "created_at_ts"], "rankingRules": ["words", "typo"]}
    assert not _differs(
        {"sortableAttributes": ["created_at_ts", "price_amount"], "rankingRules": ["words", "typo"]}, desired
    )
    assert _differs(
        {"sortableAttributes": ["created_at_ts", "price_amount"], "rankingRules": ["typo", "words"]}, desired
    )
    assert _differs({"sortableAttributes": ["created_at_ts"], "rankingRules": ["words", "typo"]}, desired)


def test_one_listing_per_organization_is_meilisearchs_distinct() -> None:
    from search.queries import listing_search_body

    assert (
        listing_search_body(ListingQuery(one_per_organization=True), now=0)["distinct"] == "organization_id"
    )
    assert "distinct" not in listing_search_body(ListingQuery(), now=0)
