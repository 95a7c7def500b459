"""Listings (export offers and import demands): requests, views, search results and batch results."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from schemas.common import (
    EXTERNAL_REF_PATTERN,
    TEXT_PATTERN,
    CityName,
    CountryCode,
    CurrencyCode,
    DecimalString,
    FieldError,
    HsCode,
    IncotermCode,
    PlaceId,
    ShortText,
    TransportMode,
    UnitCode,
)
from schemas.organizations import OrganizationSummary

__all__ = [
    "BatchItemResult",
    "BatchResults",
    "Facets",
    "Listing",
    "ListingCreate",
    "ListingOwner",
    "ListingPatch",
    "ListingRenew",
    "ListingSide",
    "ListingStatus",
    "Location",
    "Place",
    "PlaceChoice",
    "PlaceLabel",
    "PlaceResolvedBy",
    "PlaceSuggestion",
    "Price",
    "Quantity",
    "ResolvedPlace",
    "SearchHit",
    "SearchResults",
]

ListingSide = Literal["offer", "demand"]
ListingStatus = Literal["draft", "active", "paused", "closed", "expired"]
Amount = Annotated[float, msgspec.Meta(gt=0, le=1e12, examples=[20000])]
Description = Annotated[str, msgspec.Meta(max_length=5000, pattern=TEXT_PATTERN)]

Certification = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=TEXT_PATTERN)]
Certifications = Annotated[list[Certification], msgspec.Meta(max_length=20)]
ExternalRef = Annotated[str, msgspec.Meta(pattern=EXTERNAL_REF_PATTERN, examples=["UZ-CER-2026-001"])]


class Quantity(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An amount of goods in a UN/CEFACT Rec 20 unit."""

    amount: Amount
    unit: UnitCode


class Price(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A price per unit. For demands it is the target price."""

    amount: DecimalString
    currency: CurrencyCode
    per: UnitCode


class Place(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """A country and, to place the goods on the map, a ``place_id`` (from ``GET /v1/places``) or
    a city in any spelling and script. Coordinates place a city the gazetteer does not know."""

    country: CountryCode
    place_id: PlaceId | None = None
    """Wins over ``city``: it must be a place in ``country``."""
    city: CityName | None = None
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | None = None
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)] | None = None


PlaceResolvedBy = Literal[
    "id", "old_id", "name", "former_name", "transliteration", "ambiguous_name", "nearest", "country"
]


class PlaceLabel(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The place's names: GeoNames' own (English-language) form, the Russian one, and the one in
    the country's language where it can be told apart."""

    en: str
    ru: str | None = None
    local: str | None = None


class ResolvedPlace(msgspec.Struct, kw_only=True):
    """The gazetteer's place a listing's origin or destination resolved to."""

    names: PlaceLabel
    lat: float
    lon: float


class Location(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A country and city as stored, and the place they resolved to: ``place_id`` is its
    UN/LOCODE, or ``GN-<geonameid>`` where it has none (``GET /v1/places/{id}``)."""

    country: str
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    place_id: str | None = None
    resolved_by: PlaceResolvedBy | None = None
    """How the place was found: by its ``id`` (or an ``old_id`` of the earlier gazetteer); by the
    city's ``name``, a ``former_name`` (Leninabad) or another spelling (``transliteration``);
    ``ambiguous_name``: several places share the name, the most populous in the country is
    taken; ``nearest``: the place nearest the given coordinates; ``country``: the city is not
    known, so only the country is (the owner's view suggests names)."""
    place: ResolvedPlace | None = None


class PlaceChoice(msgspec.Struct, kw_only=True):
    id: str
    name: str
    region: str
    population: int


class PlaceSuggestion(msgspec.Struct, kw_only=True):
    """Known places a city may have meant, for an owner to pick from (set ``place_id``)."""

    field: Literal["origin", "destination"]
    city: str
    places: list[PlaceChoice]


class ListingCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new export offer or import demand. A draft may leave ``hs_code`` out: the answer then
    suggests codes, and the listing can be published once one is set."""

    side: ListingSide
    title: ShortText
    quantity: Quantity
    hs_code: HsCode | None = None
    description: Description = ""
    status: Literal["draft", "active"] = "active"
    min_order: Quantity | None = None
    price: Price | None = None
    incoterm: IncotermCode | None = None
    incoterm_place: CityName | None = None
    origin: Place | None = None
    destination: Place | None = None
    target_countries: Annotated[list[CountryCode], msgspec.Meta(max_length=60)] = []
    transport_modes: Annotated[list[TransportMode], msgspec.Meta(max_length=4)] = []
    available_from: date | None = None
    available_until: date | None = None
    certifications: Certifications = []
    expires_at: datetime | None = None
    external_ref: ExternalRef | None = None
    on_behalf_of: UUID | None = None
    """For chambers of commerce: the member organization the listing is for (it owns it)."""


class ListingPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to a listing. Fields left out stay as they are; ``null`` clears an optional one."""

    title: ShortText | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    status: Literal["draft", "active", "paused"] | UnsetType = UNSET
    hs_code: HsCode | UnsetType | None = UNSET
    quantity: Quantity | UnsetType = UNSET
    min_order: Quantity | UnsetType | None = UNSET
    price: Price | UnsetType | None = UNSET
    incoterm: IncotermCode | UnsetType | None = UNSET
    incoterm_place: CityName | UnsetType | None = UNSET
    origin: Place | UnsetType | None = UNSET
    destination: Place | UnsetType | None = UNSET
    target_countries: Annotated[list[CountryCode], msgspec.Meta(max_length=60)] | UnsetType = UNSET
    transport_modes: Annotated[list[TransportMode], msgspec.Meta(max_length=4)] | UnsetType = UNSET
    available_from: date | UnsetType | None = UNSET
    available_until: date | UnsetType | None = UNSET
    certifications: Certifications | UnsetType = UNSET
    expires_at: datetime | UnsetType = UNSET
    external_ref: ExternalRef | UnsetType | None = UNSET


class Listing(msgspec.Struct, kw_only=True):
    """A listing as anyone may see it."""

    id: UUID
    side: ListingSide
    status: ListingStatus
    title: str
    description: str
    hs_code: str | None
    hs_description: str
    quantity: Quantity
    min_order: Quantity | None
    price: Price | None
    incoterm: str | None
    incoterm_place: str | None
    origin: Location | None
    destination: Location | None
    target_countries: list[str]
    transport_modes: list[str]
    available_from: date | None
    available_until: date | None
    certifications: list[str]
    expires_at: datetime
    organization: OrganizationSummary
    version: int
    created_at: datetime
    updated_at: datetime


class ListingOwner(Listing, kw_only=True):
    """A listing as its own organization sees it."""

    external_ref: str | None
    posted_by: UUID
    """The organization that posted it: the owner, or its chamber of commerce."""
    suggested_hs_codes: list[str] = []
    """For a draft without ``hs_code``: headings that fit its title and description, best first."""
    suggested_places: list[PlaceSuggestion] = []
    """For a city the gazetteer does not know, or that names several places: the closest known
    places, best first."""


class SearchHit(msgspec.Struct, kw_only=True):
    """One listing found by search: the fields a result list shows."""

    id: UUID
    side: ListingSide
    title: str
    description: str
    hs_code: str
    hs_description: str
    quantity: Quantity
    price: Price | None
    incoterm: str | None
    origin: Location | None
    destination: Location | None
    transport_modes: list[str]
    organization: OrganizationSummary
    expires_at: datetime
    created_at: datetime


class Facets(msgspec.Struct, kw_only=True):
    """How many hits each filter value would leave."""

    side: dict[str, int]
    hs_chapter: dict[str, int]
    origin_country: dict[str, int]
    destination_country: dict[str, int]
    incoterm: dict[str, int]
    transport_modes: dict[str, int]
    """A listing with several modes counts once under each."""


class SearchResults(msgspec.Struct, kw_only=True):
    """A page of listing search results."""

    hits: list[SearchHit]
    facets: Facets
    estimated_total: int
    limit: int
    offset: int


class ListingRenew(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new end date: ``expires_at``, or ``days`` from now. Neither means 90 days from now."""

    expires_at: datetime | None = None
    days: Annotated[int, msgspec.Meta(ge=1, le=365, examples=[90])] | None = None


class BatchItemResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What happened to one item, at its position in the input."""

    index: int
    status: Literal["created", "updated", "error"]
    id: UUID | None = None
    external_ref: str | None = None
    errors: list[FieldError] | None = None


class BatchResults(msgspec.Struct, kw_only=True):
    """One result per item, in input order, and the counts."""

    results: list[BatchItemResult]
    created: int
    updated: int
    failed: int
