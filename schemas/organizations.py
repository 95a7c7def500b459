"""Organizations and API keys: requests and the per-audience views of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, get_args
from uuid import UUID

import msgspec

from schemas.common import SPACE_OR_CONTROL, TEXT_PATTERN, CityName, CountryCode, ShortText, full_match

__all__ = [
    "ALL_SCOPES",
    "CHAMBER_SCOPES",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "Contact",
    "Language",
    "OrganizationCreate",
    "OrganizationKind",
    "OrganizationPrivate",
    "OrganizationPublic",
    "OrganizationSummary",
]

OrganizationKind = Literal["exporter", "importer", "trader", "chamber"]
Scope = Literal["read", "listings:write", "members:write", "webhooks:write", "keys:write", "crossings:write"]
"""What a key may do: ``read`` (private reads, alerts), ``listings:write`` (offers and demands),
``members:write`` (a chamber's members: create, verify, their keys), ``webhooks:write``,
``keys:write`` (issue and revoke keys) and ``crossings:write`` (a chamber's border crossings)."""
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


class OrganizationSummary(msgspec.Struct, kw_only=True):
    """What a listing shows of its organization."""

    id: UUID
    name: str
    kind: OrganizationKind
    country: str
    verified: bool


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
