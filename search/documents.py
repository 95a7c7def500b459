"""Listing -> Meilisearch document mapping, and the index settings that fit it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

__all__ = [
    "COMMODITY_SETTINGS",
    "LISTING_SETTINGS",
    "LISTING_SOURCE_SELECT",
    "ListingSource",
    "listing_to_document",
]


class ListingSource(msgspec.Struct, kw_only=True):
    """What the indexer reads of a listing: its public fields only, never contact details."""

    id: str
    organization_id: str
    organization_name: str
    organization_kind: str
    organization_country: str
    verified: bool
    side: str
    status: str
    title: str
    description: str
    hs_code: str | None
    """None only for drafts, which are never indexed."""
    hs_description: str
    quantity: dict[str, Any]
    price: dict[str, Any] | None
    incoterm: str | None
    origin: dict[str, Any] | None
    destination: dict[str, Any] | None
    target_countries: list[str]
    transport_modes: list[str]
    certifications: list[str]
    expires_at: datetime
    created_at: datetime
    version: int


_SOURCE_EXPRESSIONS = {
    "id": "l.id::text",
    "organization_id": "o.id::text",
    "organization_name": "o.name",
    "organization_kind": "o.kind",
    "organization_country": "o.country",
    "verified": "(o.verified_by IS NOT NULL)",
}
"""Where a ``ListingSource`` field is read from when it is not the listing's column of its name."""

LISTING_SOURCE_SELECT = ",\n       ".join(
    f"{_SOURCE_EXPRESSIONS[name]} AS {name}" if name in _SOURCE_EXPRESSIONS else f"l.{name}"
    for name in ListingSource.__struct_fields__
)
"""The select list that reads a ``ListingSource`` over ``l`` (the listing) joined to ``o`` (its
organization): ``l.id::text AS id, o.id::text AS organization_id, ..., l.side, l.status, ...``,
so a field added to the Struct is read with nothing else to change."""


def listing_to_document(src: ListingSource, hs_terms: Sequence[str] = ()) -> dict[str, Any]:
    """The search document for one listing (public fields only).

    ``hs_terms`` are the names of the listing's HS heading in the region's languages (the
    glossary), so a search in any of them finds the listing whatever language it was written in.
    """
    assert src.hs_code is not None, "drafts are never indexed"
    doc: dict[str, Any] = {
        "id": src.id,
        "version": src.version,
        "side": src.side,
        "status": src.status,
        "title": src.title,
        "description": src.description,
        "hs_code": src.hs_code,
        "hs_heading": src.hs_code[:4],
        "hs_chapter": src.hs_code[:2],
        "hs_description": src.hs_description,
        "hs_terms": list(hs_terms),
        "quantity": src.quantity,
        "price": src.price,
        "price_amount": float(src.price["amount"]) if src.price else None,
        "incoterm": src.incoterm,
        "origin": _shown(src.origin),
        "origin_country": src.origin["country"] if src.origin else None,
        "origin_place": src.origin.get("place_id") if src.origin else None,
        "origin_names": _names(src.origin),
        "destination": _shown(src.destination),
        "destination_country": src.destination["country"] if src.destination else None,
        "destination_place": src.destination.get("place_id") if src.destination else None,
        "destination_names": _names(src.destination),
        "target_countries": src.target_countries,
        "transport_modes": src.transport_modes,
        "certifications": src.certifications,
        # `near` filters on this place id (the gazetteer turns a circle into the places in it),
        # not on Meilisearch's `_geo`: every geo update rewrites its whole R-tree, which made a
        # one-listing update take 0.6-1 s at 88k listings against 0.04-0.1 s without it.
        "place_id": _located_at(src),
        "organization": {
            "id": src.organization_id,
            "name": src.organization_name,
            "kind": src.organization_kind,
            "country": src.organization_country,
            "verified": src.verified,
        },
        "organization_id": src.organization_id,
        "expires_at": src.expires_at.isoformat(),
        "expires_at_ts": int(src.expires_at.timestamp()),
        "created_at": src.created_at.isoformat(),
        "created_at_ts": src.created_at.timestamp(),  # sub-second, so newest-first is exact
    }
    return doc


def _shown(end: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored location as search shows it: without the names it is found by."""
    return None if end is None else {k: v for k, v in end.items() if k != "known_as"}


def _names(end: dict[str, Any] | None) -> list[str]:
    """What a search finds a location by: the city as written, and every name of its place
    (``known_as``: Russian, local, former names...), so ``Коканд`` finds a listing from Qo'qon."""
    if end is None:
        return []
    return list(dict.fromkeys([*([end["city"]] if end.get("city") else []), *end.get("known_as", ())]))


def _located_at(src: ListingSource) -> str | None:
    """The place the goods are (offers) or are wanted (demands), else the other end."""
    ends = (src.origin, src.destination) if src.side == "offer" else (src.destination, src.origin)
    for end in ends:
        if end and end.get("place_id"):
            return str(end["place_id"])
    return None


LISTING_SETTINGS: dict[str, Any] = {
    "searchableAttributes": [
        "title",
        "hs_terms",
        "hs_description",
        "description",
        "organization.name",
        "origin_names",
        "destination_names",
        "hs_code",
    ],
    "filterableAttributes": [
        "side",
        "status",
        "hs_code",
        "hs_heading",
        "hs_chapter",
        "origin_country",
        "destination_country",
        "origin_place",
        "destination_place",
        "incoterm",
        "transport_modes",
        "target_countries",
        "organization_id",
        "expires_at_ts",
        "created_at_ts",
        "place_id",
    ],
    "sortableAttributes": ["created_at_ts", "price_amount"],
    "displayedAttributes": ["*"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "faceting": {"maxValuesPerFacet": 100},
    "pagination": {"maxTotalHits": 10000},
}

COMMODITY_SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["description", "code"],
    "filterableAttributes": ["level", "chapter"],
    "sortableAttributes": ["code"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "exactness", "sort"],
}
