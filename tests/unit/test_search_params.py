"""The query parameters of GET /v1/listings are the listing filters, then sort and paging, and a
saved search with the same filters runs the same search."""

from __future__ import annotations

import inspect
from uuid import uuid4

from market.alerts.service import alert_query
from market.listings.search_params import listing_query, provide_listing_query
from schemas.alerts import AlertFilters
from schemas.filters import FILTER_NAMES


def test_the_search_parameters_are_the_filters_then_sort_and_paging() -> None:
    names = tuple(inspect.signature(provide_listing_query).parameters)
    assert names == (*FILTER_NAMES, "sort", "limit", "offset")


def test_a_saved_search_runs_the_search_its_filters_name() -> None:
    filters = AlertFilters(q="flour", side="offer", hs_code="1101", destination_country="UZ")
    searched = provide_listing_query(q="  flour ", side="offer", hs_code="1101", destination_country="UZ")
    assert searched == listing_query(filters, None, sort=None, limit=20, offset=0)
    owner = uuid4()
    saved = alert_query(filters, None, organization_id=owner)
    assert saved == listing_query(filters, None, exclude_organization_id=str(owner))
    assert (saved.q, saved.side, saved.hs_code, saved.destination_country) == ("flour", "offer", "1101", "UZ")


def test_near_arrives_as_the_places_inside_the_circle() -> None:
    query = provide_listing_query(near="41.31,69.28,50")
    assert query.place_ids and all(isinstance(p, str) for p in query.place_ids)
