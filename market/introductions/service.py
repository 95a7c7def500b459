"""Introductions: asking, and answering (accept, decline, withdraw); the rules around both.

A request goes from one organization (the requester, or its chamber for it) to the owner of an
active listing (the recipient). Only the recipient's side answers; only the requester's side
withdraws; an unanswered request expires after ``LIFETIME``. Each change records an event for
the side that should hear of it, in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from market.auth import Caller
from market.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from market.events import Event, EventType, emit_many
from market.introductions.proposals import check_proposal
from market.introductions.views import (
    EXCERPT,
    INTRODUCTION_SQL,
    Side,
    introduction_event,
    introduction_sql,
    introduction_view,
    sides,
    visible_row,
)
from market.listings.service import acting_organization
from market.settings import Settings
from schemas.introductions import Decline, Introduction, IntroductionCreate

__all__ = [
    "DECLINE_BLOCK",
    "LIFETIME",
    "WINDOW",
    "answer",
    "create_introduction",
    "expired_events",
    "get_introduction",
    "locked_row",
    "record_events",
    "require_status",
]

LIFETIME = timedelta(days=14)
"""How long a request waits for an answer before it expires."""
DECLINE_BLOCK = timedelta(days=30)
"""After a decline, how long the same organization may not ask about the same listing again."""
WINDOW = timedelta(hours=24)
"""The daily budget counts requests sent in any window this long."""

LOCKED_SQL = introduction_sql("i.id = $1", "FOR UPDATE OF i")
INTRODUCTIONS_SQL = introduction_sql("i.id = any($1::uuid[])", "ORDER BY i.seq")
LISTING_SQL = "SELECT organization_id, status, expires_at > now() AS live FROM listings WHERE id = $1"
OWN_LISTING_SQL = "SELECT 1 FROM listings WHERE id = $1 AND organization_id = $2"
# Serialises one requester's requests, so two at once cannot both fit in the last budget slot.
REQUESTER_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('introductions:' || $1::uuid::text, 0))"
OPEN_SQL = """
SELECT id, status FROM introductions
WHERE requester_id = $1 AND listing_id = $2 AND status IN ('requested', 'accepted')
  AND NOT (status = 'requested' AND expires_at <= now())
"""
DECLINED_SQL = """
SELECT id, answered_at FROM introductions
WHERE requester_id = $1 AND listing_id = $2 AND status = 'declined' AND answered_at > now() - $3::interval
ORDER BY answered_at DESC LIMIT 1
"""
BUDGET_SQL = """
SELECT count(*) AS sent, min(created_at) AS oldest, now() AS now,
       (SELECT verified_by IS NOT NULL FROM organizations WHERE id = $1) AS verified
FROM introductions WHERE requester_id = $1 AND created_at > now() - $2::interval
"""
INSERT_SQL = """
INSERT INTO introductions
    (listing_id, from_listing_id, requester_id, recipient_id, requested_by, message, proposal, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8::interval)
RETURNING id
"""
# A request past its end that the expiry job has not reached yet: expired here, so the same
# requester can ask again (the open-request index counts it as open until then).
EXPIRE_STALE_SQL = """
UPDATE introductions SET status = 'expired', closed_at = expires_at, updated_at = now()
WHERE requester_id = $1 AND listing_id = $2 AND status = 'requested' AND expires_at <= now()
RETURNING id
"""


def introduction_events(row: asyncpg.Record, type: EventType, told: list[UUID], **extra: Any) -> list[Event]:
    """``type`` for each organization in ``told``, ordered with the listing's other events."""
    return [
        Event(
            organization_id=o,
            type=type,
            data=introduction_event(row, o, **extra),
            listing_id=row["listing_id"],
        )
        for o in told
    ]


async def record_events(
    conn: asyncpg.Connection, row: asyncpg.Record, type: EventType, told: list[UUID], **extra: Any
) -> None:
    await emit_many(conn, introduction_events(row, type, told, **extra))


async def expired_events(conn: asyncpg.Connection, ids: list[UUID]) -> None:
    """Both sides hear that these requests expired unanswered (one statement for them all)."""
    rows = await conn.fetch(INTRODUCTIONS_SQL, ids) if ids else []
    told = [
        introduction_events(r, "introduction.expired", [r["recipient_id"], r["requester_id"]]) for r in rows
    ]
    await emit_many(conn, [event for events in told for event in events])


async def _check_listings(conn: asyncpg.Connection, requester: UUID, data: IntroductionCreate) -> UUID:
    """The listing's owner, if the listing is active and someone else's."""
    listing = await conn.fetchrow(LISTING_SQL, data.listing_id)
    if listing is None or (
        listing["organization_id"] != requester and not (listing["status"] == "active" and listing["live"])
    ):
        raise NotFound(f"no active listing with id {data.listing_id}")
    if listing["organization_id"] == requester:
        raise InvalidInput.field(
            "listing_id", "this listing is your own; name another organization's listing"
        )
    if data.from_listing_id is not None and not await conn.fetchval(
        OWN_LISTING_SQL, data.from_listing_id, requester
    ):
        raise InvalidInput.field(
            "from_listing_id",
            f"{data.from_listing_id} is not one of your listings; name one of yours or leave it out",
        )
    owner: UUID = listing["organization_id"]
    return owner


async def _check_repeat(conn: asyncpg.Connection, requester: UUID, listing_id: UUID) -> None:
    """One open request per listing, and none for a while after a decline."""
    expired = [r["id"] for r in await conn.fetch(EXPIRE_STALE_SQL, requester, listing_id)]
    await expired_events(conn, expired)
    current = await conn.fetchrow(OPEN_SQL, requester, listing_id)
    if current is not None:
        raise Conflict(
            f"you already have an introduction about this listing ({current['id']}, {current['status']}); "
            "continue there",
            current_status=current["status"],
            existing_id=str(current["id"]),
        )
    declined = await conn.fetchrow(DECLINED_SQL, requester, listing_id, DECLINE_BLOCK)
    if declined is not None:
        again = (declined["answered_at"] + DECLINE_BLOCK).date().isoformat()
        raise Conflict(
            f"the owner declined your request about this listing; you may ask again from {again}",
            current_status="declined",
            existing_id=str(declined["id"]),
        )


async def _check_budget(conn: asyncpg.Connection, requester: UUID, settings: Settings) -> None:
    usage = await conn.fetchrow(BUDGET_SQL, requester, WINDOW)
    budget = (
        settings.introduction_daily_budget_verified
        if usage["verified"]
        else settings.introduction_daily_budget
    )
    if usage["sent"] >= budget:
        oldest = usage["oldest"] or usage["now"]
        wait = int((oldest + WINDOW - usage["now"]).total_seconds()) + 1
        kind = (
            "a verified organization" if usage["verified"] else "an organization its chamber has not verified"
        )
        raise TooManyRequests(
            f"{kind} may send {budget} introduction requests in 24 hours; this one is over that, "
            f"retry in {wait} s" + ("" if usage["verified"] else " (verified organizations may send more)"),
            retry_after=wait,
        )


async def create_introduction(
    conn: asyncpg.Connection, caller_org: UUID, data: IntroductionCreate, settings: Settings
) -> Introduction:
    """Ask to be introduced to a listing's owner (for a chamber: ``on_behalf_of`` a member)."""
    if data.proposal is not None:
        check_proposal(data.proposal, "proposal")
    requester = await acting_organization(conn, caller_org, data.on_behalf_of)
    async with conn.transaction():
        await conn.execute(REQUESTER_LOCK_SQL, requester)
        recipient = await _check_listings(conn, requester, data)
        await _check_repeat(conn, requester, data.listing_id)
        await _check_budget(conn, requester, settings)
        proposal = None if data.proposal is None else msgspec.to_builtins(data.proposal)
        introduction_id = await conn.fetchval(
            INSERT_SQL,
            data.listing_id,
            data.from_listing_id,
            requester,
            recipient,
            caller_org,
            data.message,
            proposal,
            LIFETIME,
        )
        row = await conn.fetchrow(INTRODUCTION_SQL, introduction_id)
        await record_events(conn, row, "introduction.requested", [recipient], message=data.message[:EXCERPT])
    return introduction_view(row, caller_org)


async def get_introduction(conn: asyncpg.Connection, caller: Caller, introduction_id: UUID) -> Introduction:
    row = visible_row(await conn.fetchrow(INTRODUCTION_SQL, introduction_id), caller, introduction_id)
    return introduction_view(row, caller.organization_id)


async def locked_row(
    conn: asyncpg.Connection, caller: Caller, introduction_id: UUID
) -> tuple[asyncpg.Record, Side, Side]:
    """The introduction, locked for a change by ``caller`` (who may see it), and its two sides."""
    row = visible_row(await conn.fetchrow(LOCKED_SQL, introduction_id), caller, introduction_id)
    requester, recipient = sides(row)
    return row, requester, recipient


def require_status(row: asyncpg.Record, wanted: str, action: str) -> None:
    if row["status"] != wanted:
        raise Conflict(
            f"this introduction is {row['status']}; only a {wanted} one can be {action}",
            current_status=row["status"],
        )


ANSWER_SQL = """
UPDATE introductions
SET status = $2, answered_at = CASE WHEN $2 IN ('accepted', 'declined') THEN now() END,
    answered_by = CASE WHEN $2 IN ('accepted', 'declined') THEN $3::uuid END,
    closed_at = CASE WHEN $2 IN ('declined', 'withdrawn') THEN now() END,
    decline_reason = $4, decline_note = $5, updated_at = now()
WHERE id = $1
"""
_ANSWERS: dict[str, tuple[str, EventType]] = {
    "accept": ("accepted", "introduction.accepted"),
    "decline": ("declined", "introduction.declined"),
    "withdraw": ("withdrawn", "introduction.withdrawn"),
}


async def answer(
    conn: asyncpg.Connection,
    caller: Caller,
    introduction_id: UUID,
    action: str,
    decline: Decline | None = None,
) -> Introduction:
    """``accept`` or ``decline`` (the recipient's side), or ``withdraw`` (the requester's side) a
    request that is still waiting."""
    new_status, event = _ANSWERS[action]
    async with conn.transaction():
        row, requester, recipient = await locked_row(conn, caller, introduction_id)
        side, told = (requester, recipient) if action == "withdraw" else (recipient, requester)
        if not side.acts_for(caller.organization_id):
            who = (
                "the requester (or its chamber)"
                if action == "withdraw"
                else "the listing's owner (or its chamber)"
            )
            raise Forbidden(f"only {who} can {action} this introduction")
        require_status(row, "requested", f"{new_status}")
        reason, note = (decline.reason, decline.note) if decline else (None, None)
        await conn.execute(ANSWER_SQL, introduction_id, new_status, side.organization_id, reason, note)
        row = await conn.fetchrow(INTRODUCTION_SQL, introduction_id)
        extra = {"reason": reason} if reason else {}
        await record_events(conn, row, event, [told.organization_id], **extra)
    return introduction_view(row, caller.organization_id)
