"""Introductions: a request about another organization's listing, its answer, and the conversation
after it (messages with quotes, an outcome)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from schemas.common import CityName, IncotermCode, full_match
from schemas.listings import ListingSide, Price, Quantity
from schemas.organizations import Contact, OrganizationSummary

__all__ = [
    "MESSAGE_PATTERN",
    "Decline",
    "DeclineReason",
    "Introduction",
    "IntroductionCreate",
    "IntroductionListing",
    "IntroductionMessage",
    "IntroductionMessageCreate",
    "IntroductionMessages",
    "IntroductionOutcome",
    "IntroductionPage",
    "IntroductionParty",
    "IntroductionRole",
    "IntroductionStatus",
    "Outcome",
    "Proposal",
    "Quote",
]

IntroductionStatus = Literal["requested", "accepted", "declined", "withdrawn", "expired"]
IntroductionRole = Literal["sent", "received"]
DeclineReason = Literal["not_interested", "price", "quantity", "timing", "route", "other"]
Outcome = Literal["deal", "no_deal"]

MESSAGE_PATTERN = full_match(r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*")
"""Plain text: tabs and line breaks are fine, NUL and other control characters are not."""
MessageText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2000,
        pattern=MESSAGE_PATTERN,
        examples=["We can ship 20 cars a month from Kostanai by rail; could we discuss terms?"],
    ),
]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=MESSAGE_PATTERN)]


class Proposal(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Terms put forward, checked with the same rules as a listing's. Name at least one."""

    quantity: Quantity | None = None
    price: Price | None = None
    incoterm: IncotermCode | None = None
    incoterm_place: CityName | None = None
    available_from: date | None = None
    available_until: date | None = None


class Quote(Proposal, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """A proposal the sender stands by until ``valid_until``."""

    valid_until: date


class IntroductionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A request to be introduced to the owner of an active listing."""

    listing_id: UUID
    """The counterpart's active listing."""
    message: MessageText
    from_listing_id: UUID | None = None
    """One of your own listings this is about (say, the one whose matches you came from)."""
    proposal: Proposal | None = None
    on_behalf_of: UUID | None = None
    """For chambers of commerce: the member organization asking (it becomes the requester)."""


class Decline(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Why the request is declined; the requester sees the reason and the note."""

    reason: DeclineReason
    note: Note | None = None


class IntroductionMessageCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A message in an accepted introduction, optionally with a quote."""

    text: MessageText
    quote: Quote | None = None
    on_behalf_of: UUID | None = None
    """For a chamber that speaks for both sides' organizations: which member speaks."""


class IntroductionOutcome(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What came of an accepted introduction."""

    outcome: Outcome
    on_behalf_of: UUID | None = None
    """For a chamber that speaks for both sides' organizations: which member records it."""


class IntroductionListing(msgspec.Struct, kw_only=True):
    """The listing an introduction is about."""

    id: UUID
    side: ListingSide
    title: str
    hs_code: str | None


class IntroductionParty(msgspec.Struct, kw_only=True):
    """One side of an introduction. ``contact`` is null until the request is accepted."""

    organization: OrganizationSummary
    contact: Contact | None


class Introduction(msgspec.Struct, kw_only=True):
    """An introduction as its two sides, their chambers and the platform admin see it."""

    id: UUID
    status: IntroductionStatus
    role: IntroductionRole | None
    """``sent`` when the viewer's organization asked, ``received`` when it was asked; null for a
    viewer on neither side (a chamber, the admin)."""
    listing: IntroductionListing
    from_listing_id: UUID | None
    requester: IntroductionParty
    recipient: IntroductionParty
    requested_by: UUID
    """The requester, or the chamber that asked for it."""
    message: str
    proposal: Proposal | None
    decline_reason: DeclineReason | None
    decline_note: str | None
    outcome: Outcome | None
    outcome_by: UUID | None
    created_at: datetime
    expires_at: datetime
    """Unanswered by then, the request is ``expired``."""
    answered_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class IntroductionPage(msgspec.Struct, kw_only=True):
    """Newest first. Pass ``next_cursor`` as ``cursor`` for the next page; null means the end."""

    introductions: list[Introduction]
    next_cursor: str | None


class IntroductionMessage(msgspec.Struct, kw_only=True):
    """One message of an introduction's conversation."""

    id: int
    introduction_id: UUID
    author_id: UUID
    """The side speaking."""
    posted_by: UUID
    """That side, or its chamber."""
    text: str
    quote: Quote | None
    created_at: datetime


class IntroductionMessages(msgspec.Struct, kw_only=True):
    """Oldest first. Pass ``next_cursor`` as ``cursor`` for the next page; null means the end."""

    messages: list[IntroductionMessage]
    next_cursor: str | None
