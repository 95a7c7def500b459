"""The fixed search workload: what buyers and sellers type, typos included, with the API's filters."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec

from search.queries import ListingQuery, listing_search_body

__all__ = ["SEARCHES", "api_path", "meili_body"]

SEARCHES: list[dict[str, str]] = [
    {"q": "wheat"},
    {"q": "milling wheet", "side": "offer", "origin_country": "KZ"},
    {"q": "пшеница", "side": "offer"},
    {"q": "пшиница мягкая", "destination_country": "UZ"},
    {"q": "wheat flour", "side": "demand", "sort": "created_at"},
    {"q": "мука пшеничная", "origin_country": "KZ", "sort": "price"},
    {"q": "dried apricots", "origin_country": "UZ"},
    {"q": "курага", "side": "offer"},
    {"q": "apricts sulphur-free"},
    {"q": "cement", "destination_country": "TJ"},
    {"q": "цемент М500", "side": "demand"},
    {"q": "portlnd cemnt", "hs_code": "2523"},
    {"q": "cotton yarn", "origin_country": "UZ", "sort": "+price"},
    {"q": "пряжа хлопковая"},
    {"q": "copper cathodes", "hs_code": "740311"},
    {"q": "медные катоды", "side": "demand"},
    {"q": "hot-rolled steel coils", "origin_country": "KZ"},
    {"q": "арматура А500С", "hs_code": "72"},
    {"q": "polyethilene granules", "hs_code": "3901"},
    {"q": "solar panels", "origin_country": "CN", "destination_country": "UZ"},
    {"q": "солнечные панели", "sort": "-price"},
    {"q": "tomatos greenhouse", "side": "offer"},
    {"q": "Chevrolet Cobalt", "side": "offer", "destination_country": "KZ"},
    {"q": "кроссоверы", "origin_country": "KZ"},
    {"q": "tractors", "hs_code": "87"},
    {"q": "", "side": "demand", "hs_code": "10", "sort": "created_at"},
    {"q": "", "origin_country": "CN", "sort": "-created_at"},
    {"q": "urea fertilizer", "destination_country": "KZ"},
    {"q": "Tashkent ceramic tiles"},
    {"q": "чай чёрный", "origin_country": "CN"},
    {"q": "frozen beef halal", "side": "demand"},
    {"q": "Almaty", "side": "demand"},
]


def api_path(params: dict[str, str]) -> str:
    """The GET /v1/listings request a client sends for this search."""
    return "/v1/listings?" + urlencode(params) if params else "/v1/listings"


def _query(params: dict[str, str]) -> ListingQuery:
    # What the controller builds from the query string (no limit/offset: the defaults).
    fields: dict[str, Any] = dict(params)
    fields["q"] = fields.get("q", "").strip()
    return ListingQuery(**fields)


def meili_body(params: dict[str, str]) -> bytes:
    """Exactly the body ``search.queries.search_listings`` posts to Meilisearch for this search."""
    return msgspec.json.encode(listing_search_body(_query(params)))
