"""Demo data from the region's real trade lines (``data/demo.json``), loaded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any, Literal, NamedTuple

import asyncpg
import msgspec

from market.auth import Caller
from market.introductions.conversation import post_message
from market.introductions.service import answer, create_introduction
from market.listings.service import create_listing
from market.organizations.service import create_organization
from market.settings import Settings
from schemas.introductions import (
    Decline,
    IntroductionCreate,
    IntroductionMessageCreate,
    Proposal,
    Quote,
)
from schemas.listings import ListingCreate
from schemas.organizations import OrganizationCreate

__all__ = ["DemoCounts", "DemoData", "demo_data", "load_demo"]


class DemoOrganization(OrganizationCreate, kw_only=True, forbid_unknown_fields=True):
    ref: str
    member_of: str | None = None


class DemoListing(ListingCreate, kw_only=True, forbid_unknown_fields=True):
    org: str


class DemoMessage(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    side: Literal["requester", "recipient"]
    text: str
    quote: Proposal | None = None
    valid_days: int = 30
    """The quote is valid this many days from the day the demo is loaded."""


class DemoIntroduction(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    org: str
    """The requester's ``ref``."""
    listing: str
    """The ``external_ref`` of the listing asked about."""
    from_listing: str | None = None
    message: str
    proposal: Proposal | None = None
    answer: Literal["accept", "decline"] | None = None
    reason: Literal["not_interested", "price", "quantity", "timing", "route", "other"] = "other"
    note: str | None = None
    messages: list[DemoMessage] = []


class DemoData(msgspec.Struct, kw_only=True):
    organizations: list[DemoOrganization]
    listings: list[DemoListing]
    introductions: list[DemoIntroduction] = []


class DemoCounts(NamedTuple):
    """What one load created."""

    organizations: int
    listings: int
    introductions: int


def demo_data() -> DemoData:
    raw = (resources.files("market") / "data" / "demo.json").read_bytes()
    return msgspec.json.decode(raw, type=DemoData)


def _strip(obj: msgspec.Struct, target: type[Any], drop: set[str]) -> Any:
    fields = {k: v for k, v in msgspec.structs.asdict(obj).items() if k not in drop}
    return msgspec.convert(msgspec.to_builtins(fields), target)


async def load_demo(conn: asyncpg.Connection) -> DemoCounts:
    """Create the demo organizations, listings and introductions that do not exist yet; return
    how many of each were created."""
    data = demo_data()
    admin = Caller(is_admin=True)
    ids: dict[str, Any] = {}
    new_orgs = new_listings = 0
    for org in data.organizations:
        existing = await conn.fetchval("SELECT id FROM organizations WHERE name = $1", org.name)
        if existing is None:
            created = await create_organization(
                conn, admin, _strip(org, OrganizationCreate, {"ref", "member_of"})
            )
            existing = created.id
            new_orgs += 1
        ids[org.ref] = existing
    for org in data.organizations:
        if org.member_of:
            await conn.execute(
                "UPDATE organizations SET member_of = $2 WHERE id = $1 AND member_of IS NULL",
                ids[org.ref],
                ids[org.member_of],
            )
    for item in data.listings:
        organization_id = ids[item.org]
        exists = await conn.fetchval(
            "SELECT 1 FROM listings WHERE organization_id = $1 AND external_ref = $2",
            organization_id,
            item.external_ref,
        )
        if not exists:
            await create_listing(conn, organization_id, _strip(item, ListingCreate, {"org"}))
            new_listings += 1
    new_introductions = 0
    for intro in data.introductions:
        new_introductions += await _introduce(conn, ids, intro)
    return DemoCounts(new_orgs, new_listings, new_introductions)


LISTING_BY_REF_SQL = (
    "SELECT id, organization_id FROM listings WHERE external_ref = $1 AND organization_id = any($2)"
)
EXISTS_SQL = "SELECT 1 FROM introductions WHERE requester_id = $1 AND listing_id = $2"


async def _introduce(conn: asyncpg.Connection, ids: dict[str, Any], intro: DemoIntroduction) -> int:
    """One demo introduction, through the same functions the API calls: asked, answered, talked
    about. 0 if it exists already."""
    refs = [intro.listing, intro.from_listing]
    found = {
        r["id"]: r
        for r in [await conn.fetchrow(LISTING_BY_REF_SQL, ref, list(ids.values())) for ref in refs if ref]
    }
    listing, *own = found.values()
    requester = ids[intro.org]
    if await conn.fetchval(EXISTS_SQL, requester, listing["id"]):
        return 0
    settings = Settings()
    body = IntroductionCreate(
        listing_id=listing["id"],
        from_listing_id=own[0]["id"] if own else None,
        message=intro.message,
        proposal=intro.proposal,
    )
    created = await create_introduction(conn, requester, body, settings)
    sides = {
        "requester": Caller(organization_id=requester),
        "recipient": Caller(organization_id=listing["organization_id"]),
    }
    if intro.answer is not None:
        decline = Decline(reason=intro.reason, note=intro.note) if intro.answer == "decline" else None
        await answer(conn, sides["recipient"], created.id, intro.answer, decline)
    today = datetime.now(UTC).date()
    for message in intro.messages:
        quote = None
        if message.quote is not None:
            terms = msgspec.to_builtins(message.quote)
            quote = msgspec.convert(
                {**terms, "valid_until": today + timedelta(days=message.valid_days)}, Quote
            )
        said = IntroductionMessageCreate(text=message.text, quote=quote)
        await post_message(conn, sides[message.side], created.id, said, settings)
    return 1
