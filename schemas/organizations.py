"""Organizations and API keys: requests and the per-audience views of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from schemas.common import SPACE_OR_CONTROL, TEXT_PATTERN, CityName, CountryCode, ShortText, full_match

__all__ = [
    "ALL_SCOPES",
    "CHAMBER_SCOPES",
    "RESPONSIVENESS_WINDOW_DAYS",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "Contact",
    "Language",
    "OrganizationCreate",
    "OrganizationKind",
    "OrganizationPatch",
    "OrganizationPrivate",
    "OrganizationPublic",
    "OrganizationSummary",
    "Responsiveness",
]

OrganizationKind = Literal["exporter", "importer", "trader", "chamber"]
Scope = Literal[
    "read",
    "listings:write",
    "members:write",
    "webhooks:write",
    "keys:write",
    "crossings:write",
    "profile:write",
]
"""What a key may do: ``read`` (private reads, alerts), ``listings:write`` (offers, demands and
introductions), ``members:write`` (a chamber's members: create, verify, their keys),
``webhooks:write``, ``keys:write`` (issue and revoke keys), ``crossings:write`` (a chamber's
border crossings) and ``profile:write`` (the organization's city, contact details and language)."""
ALL_SCOPES: tuple[str, ...] = get_args(Scope)
CHAMBER_SCOPES = frozenset({"members:write", "crossings:write"})
Language = Literal["en", "ru", "uz", "kk", "tg", "ky"]
"""A language market writes to an organization in (ISO 639-1)."""

Email = Annotated[
    str,
    msgspec.Meta(
        pattern=full_match(
            rf"[^@{SPACE_OR_CONTROL}]{{1,64}}@[^@{SPACE_OR_CONTROL}]+\.[^@{SPACE_OR_CONTROL}]+"
        ),
        max_length=254,
        examples=["sales@example.uz"],
    ),
]
Phone = Annotated[
    str, msgspec.Meta(pattern=full_match(r"\+?[0-9 ()-]{5,32}"), examples=["+998 71 000 00 00"])
]
Website = Annotated[
    str,
    msgspec.Meta(
        pattern=full_match(rf"https?://[^{SPACE_OR_CONTROL}]+"),
        max_length=300,
        examples=["https://example.uz"],
    ),
]


class Contact(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """How to reach an organization. Never indexed, never shown to anonymous callers."""

    email: Email | None = None
    phone: Phone | None = None
    website: Website | None = None


class OrganizationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new organization."""

    name: ShortText
    kind: OrganizationKind
    country: CountryCode
    city: CityName
    contact: Contact = msgspec.field(default_factory=Contact)
    preferred_language: Language | None = None
    """The language email comes in; defaults from the country (UZ uz, KZ kk, TJ tg, KG ky,
    RU ru, otherwise en)."""


class OrganizationPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to an organization's profile; fields left out stay as they are. Its name, kind and
    country are what its chamber verified, and do not change here."""

    city: CityName | UnsetType = UNSET
    contact: Contact | UnsetType = UNSET
    """Replaces the contact details as a whole."""
    preferred_language: Language | UnsetType = UNSET


class OrganizationSummary(msgspec.Struct, kw_only=True):
    """What a listing shows of its organization."""

    id: UUID
    name: str
    kind: OrganizationKind
    country: str
    verified: bool


RESPONSIVENESS_WINDOW_DAYS = 180
"""How far back responsiveness looks: requests created in the last half year."""


class Responsiveness(msgspec.Struct, kw_only=True, frozen=True):
    """How the organization answers introduction requests, over the last ``window_days`` days
    (docs/matching.md, "Responsiveness"). An organization with no history shows zeros and nulls,
    and matching treats it as neutral."""

    requests_received: Annotated[int, msgspec.Meta(ge=0, examples=[12])]
    """Introduction requests it received in the window, whatever became of them."""
    requests_counted: Annotated[int, msgspec.Meta(ge=0, examples=[10])]
    """Those it can be judged on: not still waiting within their 14 days, and not withdrawn by
    the requester before any answer."""
    # No ``ge=0`` on the two nullable numbers: Litestar drops a zero minimum from a nullable
    # number's schema, so the document could not say it.
    answered_share: Annotated[float, msgspec.Meta(le=1, examples=[0.9])] | None
    """Accepted or declined, as a share (0 to 1) of the counted requests; null when none is counted."""
    median_hours_to_answer: Annotated[float, msgspec.Meta(examples=[5.5])] | None
    """Median time from request to answer, in hours (one decimal); null when none was answered."""
    deals_reported: Annotated[int, msgspec.Meta(ge=0, examples=[2])]
    """Introductions in the window, sent or received, whose outcome was reported as a deal."""
    window_days: int = RESPONSIVENESS_WINDOW_DAYS


class OrganizationPublic(msgspec.Struct, kw_only=True):
    """An organization as anyone may see it."""

    id: UUID
    name: str
    kind: OrganizationKind
    country: str
    city: str
    verified: bool
    member_of: UUID | None
    preferred_language: Language
    created_at: datetime
    responsiveness: Responsiveness


class OrganizationPrivate(OrganizationPublic, kw_only=True):
    """An organization as authenticated organizations see it: with contact details."""

    contact: Contact


class ApiKeyCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Options for a new API key."""

    name: Annotated[str, msgspec.Meta(max_length=100, pattern=TEXT_PATTERN)] = "default"
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1)] | None = None
    """Defaults to every scope that fits the organization's kind."""


class ApiKeyCreated(msgspec.Struct, kw_only=True):
    """A new API key. The secret is shown here once and never again."""

    id: UUID
    organization_id: UUID
    name: str
    prefix: str
    scopes: list[str]
    secret: str
    created_at: datetime
