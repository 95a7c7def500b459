"""Listings on PostgreSQL: every write puts the row and a search-outbox row in one transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec

from market.errors import (
    Conflict,
    InvalidInput,
    MarketError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    decode_error,
)
from market.events import Event, EventType, emit_many
from market.glossary import headings_for
from market.listings.columns import INSERT_SQL, UPDATE_SQL, insert_args, row_values, update_args
from market.listings.validation import check_listing
from market.places import given_place, place_suggestion
from schemas.common import FieldError
from schemas.listings import Listing, ListingCreate, ListingOwner, ListingPatch
from search.indexer import notify_outbox

__all__ = [
    "VIEWS_SQL",
    "VIEW_SQL",
    "acting_organization",
    "check_if_match",
    "close_listing",
    "create_listing",
    "enqueue",
    "etag",
    "finish_update",
    "get_listing",
    "listing_event",
    "listing_view_sql",
    "managed_row_for_update",
    "owner_view",
    "patch_listing",
    "put_by_ref",
    "refuse_replacement",
]

_VIEW_FROM = """
SELECT l.*, o.member_of AS owner_chamber, jsonb_build_object(
           'id', o.id, 'name', o.name, 'kind', o.kind, 'country', o.country,
           'verified', o.verified_by IS NOT NULL) AS organization
FROM listings l JOIN organizations o ON o.id = l.organization_id
"""


def listing_view_sql(where: str, lock: str = "") -> str:
    """The listing view (a listing row with its owner's summary) of the rows ``where`` names
    (over ``l``, the listing, and ``o``, its organization), with an optional lock clause."""
    return f"{_VIEW_FROM}WHERE {where}\n{lock}"


VIEW_SQL = listing_view_sql("l.id = $1")
VIEW_FOR_UPDATE_SQL = listing_view_sql("l.id = $1", "FOR UPDATE OF l")
VIEWS_SQL = listing_view_sql("l.id = any($1::uuid[])")
CLOSE_SQL = """
UPDATE listings SET status = 'closed', version = version + 1, updated_at = now()
WHERE id = $1 AND status <> 'closed'
"""
# After a write: index the listings again; if active, compute their matches and check them
# against saved searches (market/matching, market/alerts). One statement each, however many.
ENQUEUE_SQL = "INSERT INTO search_outbox (listing_id) SELECT unnest($1::uuid[])"
MATCH_JOBS_SQL = """
INSERT INTO match_jobs (listing_id) SELECT id FROM listings WHERE id = any($1::uuid[]) AND status = 'active'
"""
ALERT_JOBS_SQL = """
INSERT INTO alert_jobs (listing_id) SELECT id FROM listings WHERE id = any($1::uuid[]) AND status = 'active'
"""


def etag(version: int) -> str:
    return f'"{version}"'


async def enqueue(conn: asyncpg.Connection, listing_ids: list[UUID]) -> None:
    """Queue the background work a write needs, in the writer's transaction, and wake it."""
    await conn.execute(ENQUEUE_SQL, listing_ids)
    await conn.execute(MATCH_JOBS_SQL, listing_ids)
    await conn.execute(ALERT_JOBS_SQL, listing_ids)
    await notify_outbox(conn)


def _duplicate_ref(data: ListingCreate) -> Conflict:
    message = (
        f"'{data.external_ref}' is already used by another of your listings; pick another or update that one"
    )
    return Conflict(f"external_ref: {message}", [FieldError(field="external_ref", message=message)])


async def acting_organization(conn: asyncpg.Connection, caller_org: UUID, on_behalf_of: UUID | None) -> UUID:
    """Whose listing a write is for: the caller's own, or (for a chamber) the member it names."""
    if on_behalf_of is None or on_behalf_of == caller_org:
        return caller_org
    if await conn.fetchval(MEMBER_SQL, on_behalf_of, caller_org) is None:
        raise InvalidInput.field(
            "on_behalf_of", f"{on_behalf_of} is not a member of your chamber; name one of your members"
        )
    return on_behalf_of


MEMBER_SQL = "SELECT id FROM organizations WHERE id = $1 AND member_of = $2"


def listing_event(row: asyncpg.Record, type: EventType) -> Event:
    """An event about a listing for its owner, carrying ``listing_event_data()``."""
    return Event(
        organization_id=row["organization_id"], type=type, data=listing_event_data(row), listing_id=row["id"]
    )


def listing_event_data(row: asyncpg.Record) -> dict[str, Any]:
    """What events about a listing carry: enough to act on without another request."""
    return {
        "listing_id": row["id"],
        "organization_id": row["organization_id"],
        "posted_by": row["posted_by"],
        "side": row["side"],
        "status": row["status"],
        "title": row["title"],
        "hs_code": row["hs_code"],
        "external_ref": row["external_ref"],
        "version": row["version"],
        "expires_at": row["expires_at"],
    }


async def finish_update(conn: asyncpg.Connection, listing_id: UUID) -> asyncpg.Record:
    """After a change: queue indexing and matching, tell the owner, and read the new state."""
    await enqueue(conn, [listing_id])
    row = await conn.fetchrow(VIEW_SQL, listing_id)
    await emit_many(conn, [listing_event(row, "listing.updated")])
    return row


async def _insert(
    conn: asyncpg.Connection,
    owner: UUID,
    poster: UUID,
    values: dict[str, Any],
    on_duplicate_ref: MarketError,
) -> asyncpg.Record:
    """Insert a new listing and queue its background work (in the caller's transaction)."""
    listing_id = uuid4()
    try:
        await conn.execute(
            INSERT_SQL, *insert_args(values, listing_id=listing_id, organization_id=owner, posted_by=poster)
        )
    except asyncpg.UniqueViolationError:
        raise on_duplicate_ref from None
    await enqueue(conn, [listing_id])
    return await conn.fetchrow(VIEW_SQL, listing_id)


async def create_listing(conn: asyncpg.Connection, caller_org: UUID, data: ListingCreate) -> ListingOwner:
    check_listing(data)
    async with conn.transaction():
        owner = await acting_organization(conn, caller_org, data.on_behalf_of)
        row = await _insert(conn, owner, caller_org, row_values(data), _duplicate_ref(data))
    return owner_view(row)


def owner_view(row: asyncpg.Record) -> ListingOwner:
    """The owner's view; a draft without an HS code carries suggested codes."""
    listing = msgspec.convert(row, ListingOwner)
    if listing.hs_code is None:
        listing.suggested_hs_codes = headings_for(f"{listing.title} {listing.description}")[:5]
    ends = (place_suggestion("origin", listing.origin), place_suggestion("destination", listing.destination))
    listing.suggested_places = [s for s in ends if s is not None]
    return listing


def _manages(row: asyncpg.Record, organization_id: UUID | None) -> bool:
    """The owner, or the owner's chamber, manages a listing (and sees its owner view)."""
    return organization_id is not None and organization_id in (row["organization_id"], row["owner_chamber"])


async def get_listing(conn: asyncpg.Connection, listing_id: UUID, viewer: UUID | None) -> Listing:
    """A listing; the owner's view for its organization and its chamber. Others never see drafts."""
    row = await conn.fetchrow(VIEW_SQL, listing_id)
    owner = row is not None and _manages(row, viewer)
    if row is None or (row["status"] == "draft" and not owner):
        raise NotFound(f"no listing with id {listing_id}")
    return owner_view(row) if owner else msgspec.convert(row, Listing)


async def managed_row_for_update(
    conn: asyncpg.Connection, listing_id: UUID, organization_id: UUID
) -> asyncpg.Record:
    """The listing's row, locked for the change, when ``organization_id`` manages it; else 404."""
    row = await conn.fetchrow(VIEW_FOR_UPDATE_SQL, listing_id)
    if row is None or not _manages(row, organization_id):
        raise NotFound(f"no listing with id {listing_id}")
    return row


def check_if_match(row: asyncpg.Record, if_match: str | None) -> None:
    """A write needs If-Match (428) naming the row's current version (412 otherwise), or ``*``."""
    if if_match is None:
        raise PreconditionRequired("send If-Match with the listing's ETag (from GET) to change it")
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in wanted and etag(row["version"]) not in wanted:
        raise PreconditionFailed(
            f"the listing changed since you read it (now version {row['version']}); GET it and retry"
        )


async def patch_listing(
    conn: asyncpg.Connection,
    listing_id: UUID,
    caller_org: UUID,
    patch: ListingPatch,
    if_match: str | None,
) -> ListingOwner:
    async with conn.transaction():
        row = await managed_row_for_update(conn, listing_id, caller_org)
        check_if_match(row, if_match)
        if row["status"] in ("closed", "expired"):
            raise Conflict(f"the listing is {row['status']}; it can no longer be changed")
        current = msgspec.convert(row, ListingOwner)
        merged = msgspec.to_builtins(current)
        changes = {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET}
        merged.update(msgspec.to_builtins(changes))
        status = merged.pop("status")  # may be "paused", which a new listing cannot be
        for place in ("origin", "destination"):
            if isinstance(merged.get(place), dict) and place not in changes:
                merged[place] = given_place(merged[place])
        fields = set(ListingCreate.__struct_fields__) - {"on_behalf_of"}
        try:
            data = msgspec.convert({k: v for k, v in merged.items() if k in fields}, ListingCreate)
        except msgspec.ValidationError as exc:  # a stored value today's rules refuse: say which
            error = decode_error(exc)
            message = f"{error.message} (a stored value the current rules refuse: set it in this PATCH)"
            raise InvalidInput(
                f"{error.field}: {message}", [FieldError(field=error.field, message=message)]
            ) from None
        # A new end date, or a draft going live, must lie ahead (a draft may have sat for months).
        publishing = row["status"] == "draft" and status == "active"
        check_listing(data, is_new="expires_at" in changes or publishing)
        values = {**row_values(data), "status": status}
        args = update_args(values, listing_id=listing_id, posted_by=caller_org, version=row["version"])
        try:
            updated = await conn.fetchval(UPDATE_SQL, *args)
        except asyncpg.UniqueViolationError:
            raise _duplicate_ref(data) from None
        assert updated is not None  # the row is locked FOR UPDATE
        new_row = await finish_update(conn, listing_id)
    return owner_view(new_row)


async def close_listing(conn: asyncpg.Connection, listing_id: UUID, caller_org: UUID) -> None:
    async with conn.transaction():
        await managed_row_for_update(conn, listing_id, caller_org)
        if await conn.execute(CLOSE_SQL, listing_id) != "UPDATE 0":
            await finish_update(conn, listing_id)


BY_REF_SQL = """
SELECT id, side, status, version FROM listings
WHERE organization_id = $1 AND external_ref = $2
FOR UPDATE
"""


def refuse_replacement(current: asyncpg.Record, data: ListingCreate) -> None:
    """A reference keeps its side, and a closed or expired listing is not brought back by PUT."""
    if current["side"] != data.side:
        raise InvalidInput.field("side", f"the listing with this reference is an {current['side']}")
    if current["status"] in ("closed", "expired"):
        raise Conflict(f"the listing with this reference is {current['status']}; use a new reference")


async def put_by_ref(
    conn: asyncpg.Connection, caller_org: UUID, external_ref: str, data: ListingCreate
) -> tuple[ListingOwner, bool]:
    """Create or replace the listing with this reference (the caller's, or with ``on_behalf_of``
    a member's); True when created. The same PUT twice leaves one listing."""
    if data.external_ref not in (None, external_ref):
        raise InvalidInput.field("external_ref", "must match the reference in the path (or be left out)")
    data = msgspec.structs.replace(data, external_ref=external_ref)
    check_listing(data)
    values = row_values(data)
    async with conn.transaction():
        owner = await acting_organization(conn, caller_org, data.on_behalf_of)
        current = await conn.fetchrow(BY_REF_SQL, owner, external_ref)
        if current is None:
            raced = Conflict("another request created this reference at the same moment; retry")
            row = await _insert(conn, owner, caller_org, values, raced)
        else:
            refuse_replacement(current, data)
            listing_id = current["id"]
            args = update_args(
                values, listing_id=listing_id, posted_by=caller_org, version=current["version"]
            )
            await conn.fetchval(UPDATE_SQL, *args)
            row = await finish_update(conn, listing_id)
    return owner_view(row), current is None
