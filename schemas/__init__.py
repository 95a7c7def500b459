"""The API contract: msgspec Structs for requests, responses and errors. No I/O here."""

from __future__ import annotations

from schemas.commodities import Commodity, CommodityDetail, CommoditySuggestions
from schemas.common import FieldError, Problem
from schemas.listings import (
    Facets,
    Listing,
    ListingCreate,
    ListingOwner,
    ListingPatch,
    Place,
    Price,
    Quantity,
    SearchHit,
    SearchResults,
)
from schemas.organizations import (
    ApiKeyCreate,
    ApiKeyCreated,
    Contact,
    OrganizationCreate,
    OrganizationPrivate,
    OrganizationPublic,
    OrganizationSummary,
    Responsiveness,
)

__all__ = [
    "ApiKeyCreate",
    "ApiKeyCreated",
    "Commodity",
    "CommodityDetail",
    "CommoditySuggestions",
    "Contact",
    "Facets",
    "FieldError",
    "Listing",
    "ListingCreate",
    "ListingOwner",
    "ListingPatch",
    "OrganizationCreate",
    "OrganizationPrivate",
    "OrganizationPublic",
    "OrganizationSummary",
    "Place",
    "Price",
    "Problem",
    "Quantity",
    "Responsiveness",
    "SearchHit",
    "SearchResults",
]
