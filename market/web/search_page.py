"""The home page: listing search with facets, sort and paging; the URL holds the whole state.

It runs the same search as ``GET /v1/listings`` (``search_of``, ``search_or_fallback``). A form
sends empty fields for filters left unset, so those are dropped before the filters are checked
by the same rules as the API's (``schemas.filters.ListingFilters``); a value they refuse is
shown at its field and the search runs without it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, get_args

import asyncpg
import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.plugins.htmx import HTMXTemplate

from market.code_lookups import hs_entry
from market.listings.fallback import search_or_fallback
from market.listings.search_params import search_of
from market.settings import Settings
from market.web.i18n import country_name, format_number
from market.web.labels import vocabulary
from market.web.listing_form import decode_form
from market.web.rendering import links_with, page, request_language, url_with
from schemas.filters import FILTER_NAMES, ListingFilters
from search.client import SearchReader
from search.queries import SortKey

__all__ = ["PAGE_SIZE", "search_page"]

PAGE_SIZE = 20
MAX_OFFSET = 9900
SORTS = ("", *get_args(SortKey))
FACET_ORDER = ("side", "hs_chapter", "origin_country", "destination_country", "incoterm", "transport_modes")
_FILTER_OF_FACET = {"hs_chapter": "hs_code", "transport_modes": "transport_mode"}


def read_filters(query: dict[str, str]) -> tuple[ListingFilters, dict[str, str]]:
    """The filters the query string gives, and a message per field it gives wrongly (dropped)."""
    given = {name: query[name].strip() for name in FILTER_NAMES if query.get(name, "").strip()}
    filters, errors = decode_form(given, ListingFilters)
    if filters is None:  # every filter is optional: the search runs without the wrong ones
        filters = msgspec.convert({k: v for k, v in given.items() if k not in errors}, ListingFilters)
    return filters, errors


def _int(value: str | None, default: int, high: int) -> int:
    try:
        return min(max(int(value or default), 0), high)
    except ValueError:
        return default


@get("/", name="search-page", include_in_schema=False)
async def search_page(
    request: Request[Any, Any, Any],
    search_reader: NamedDependency[SearchReader],
    settings: NamedDependency[Settings],
    pool: NamedDependency[asyncpg.Pool],
) -> HTMXTemplate:
    """Search every active listing, in any language."""
    query = dict(request.query_params)
    filters, errors = read_filters(query)
    sort = query.get("sort", "")
    if sort not in SORTS:
        errors["sort"], sort = "choose one of the sort orders offered", ""
    offset = _int(query.get("offset"), 0, MAX_OFFSET) // PAGE_SIZE * PAGE_SIZE
    search = search_of(filters, sort=sort or None, limit=PAGE_SIZE, offset=offset)
    results, degraded = await search_or_fallback(search_reader, settings.listings_index, pool, search)
    facets = msgspec.structs.asdict(results.facets)
    lang = request_language(request)
    words = vocabulary(lang)

    def label(name: str, value: str) -> str:
        if name == "side":
            return str(words["side_names"].get(value, value))
        if name in ("transport_modes", "transport_mode"):
            return str(words["mode_names"].get(value, value))
        if name in ("origin_country", "destination_country"):
            return country_name(value, lang)
        if name == "hs_chapter" and (entry := hs_entry(value)):
            return f"{value} · {entry.description}"
        return value

    facet_items = {
        name: [
            (label(name, value), link, format_number(facets[name][value], lang, digits=0))
            for value, link in links_with(
                request, _FILTER_OF_FACET.get(name, name), facets[name], offset=None
            ).items()
        ]
        for name in FACET_ORDER
    }
    active_filters = [
        (
            f"{words['filter_titles'][name]}: {label(name, value)}",
            url_with(request, **{name: None, "offset": None}),
        )
        for name, value in msgspec.structs.asdict(filters).items()
        if value
    ]
    pages = {
        "previous": url_with(request, offset=offset - PAGE_SIZE or None) if offset else None,
        "next": url_with(request, offset=offset + PAGE_SIZE)
        if offset + PAGE_SIZE < min(results.estimated_total, MAX_OFFSET + PAGE_SIZE)
        else None,
    }
    # An htmx request (the form, typing in the search box) swaps the results in place.
    template = "search_results.html" if request.headers.get("hx-target") == "results" else "search.html"
    return page(
        request,
        template,
        filters=msgspec.structs.asdict(filters),
        errors=defaultdict(str, errors),
        sort=sort,
        results=results,
        facet_items=facet_items,
        active_filters=active_filters,
        degraded=degraded,
        pages=pages,
        first=offset + 1,
        last=offset + len(results.hits),
    )
