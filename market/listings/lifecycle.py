"""How listings end: the expiry job (listing.expiring a week ahead, then listing.expired) and renewal.

The job runs in every worker at once without harm: each pass claims due listings with
``FOR NO KEY UPDATE SKIP LOCKED`` in batches, and what it records (``status = 'expired'``, or the
date an owner was warned about) is what makes the next pass skip them, so a pass is idempotent.
(Not ``FOR UPDATE``: that also waits for, and so skips, every listing that another transaction is
merely referring to, such as the match recorder writing a match about it.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from market.errors import Conflict, InvalidInput
from market.events import EventType, emit_many
from market.jobs import Backoff, repeat
from market.listings.service import (
    check_if_match,
    enqueue,
    finish_update,
    listing_event,
    managed_row_for_update,
    owner_view,
)
from market.listings.validation import DEFAULT_LIFETIME, MAX_LIFETIME
from schemas.listings import ListingOwner, ListingRenew

__all__ = [
    "EXPIRING_NOTICE",
    "LifecyclePass",
    "ListingLifecycle",
    "renew_listing",
    "renewal_date",
]

log = structlog.get_logger(name=__name__)

EXPIRING_NOTICE = timedelta(days=7)
"""How long before its end an active listing's owner hears ``listing.expiring``."""

# Drafts never expire: they are private work in progress (possibly without an HS code, which an
# expired listing must have), and their end date counts from when they are published.
EXPIRE_SQL = """
WITH due AS (
    SELECT id FROM listings
    WHERE status IN ('active', 'paused') AND expires_at <= now()
    ORDER BY expires_at LIMIT $1
    FOR NO KEY UPDATE SKIP LOCKED
)
UPDATE listings l SET status = 'expired', version = l.version + 1, updated_at = now()
FROM due WHERE l.id = due.id
RETURNING l.id
"""
WARN_SQL = """
WITH due AS (
    SELECT id FROM listings
    WHERE status = 'active' AND expires_at > now() AND expires_at <= now() + $2::interval
      AND expiring_notified_for IS DISTINCT FROM expires_at
    ORDER BY expires_at LIMIT $1
    FOR NO KEY UPDATE SKIP LOCKED
)
UPDATE listings l SET expiring_notified_for = l.expires_at
FROM due WHERE l.id = due.id
RETURNING l.id
"""
ROWS_SQL = "SELECT * FROM listings WHERE id = any($1::uuid[]) ORDER BY expires_at, id"
RENEW_SQL = """
UPDATE listings SET status = $2, expires_at = $3, version = version + 1, updated_at = now()
WHERE id = $1
"""


async def _claim_and_tell(
    conn: asyncpg.Connection, claim_sql: str, args: tuple[Any, ...], event: EventType, *, reindex: bool
) -> int:
    """Run one claiming UPDATE and tell each claimed listing's owner, all in one transaction."""
    async with conn.transaction():
        ids = [r["id"] for r in await conn.fetch(claim_sql, *args)]
        if not ids:
            return 0
        rows = await conn.fetch(ROWS_SQL, ids)
        await emit_many(conn, [listing_event(row, event) for row in rows])
        if reindex:  # the indexer re-reads the listings and removes them from search
            await enqueue(conn, ids)
    return len(ids)


@dataclass(frozen=True)
class LifecyclePass:
    expired: int
    """Listings whose end date passed, now ``expired``."""
    warned: int
    """Active listings ending within a week whose owners were told (``listing.expiring``)."""


class ListingLifecycle:
    """Expires listings at their end date and warns their owners a week before."""

    def __init__(
        self, pool: asyncpg.Pool, *, batch_size: int = 200, notice: timedelta = EXPIRING_NOTICE
    ) -> None:
        self.pool = pool
        self.batch_size = batch_size
        self.notice = notice

    async def _until_done(
        self, claim_sql: str, args: tuple[Any, ...], event: EventType, reindex: bool
    ) -> int:
        total = 0
        async with self.pool.acquire() as conn:
            while True:
                count = await _claim_and_tell(conn, claim_sql, args, event, reindex=reindex)
                total += count
                if count < self.batch_size:  # a short batch: nothing more is due (or others hold it)
                    return total

    async def run_once(self) -> LifecyclePass:
        """One pass: expire what is due, then warn about what ends within the notice period."""
        expired = await self._until_done(EXPIRE_SQL, (self.batch_size,), "listing.expired", True)
        warned = await self._until_done(WARN_SQL, (self.batch_size, self.notice), "listing.expiring", False)
        if expired or warned:
            log.info("listing lifecycle pass", expired=expired, warned=warned)
        return LifecyclePass(expired=expired, warned=warned)

    async def run_forever(self, *, interval_seconds: float) -> None:
        """A pass every ``interval_seconds`` until cancelled; a failed pass is retried next time."""
        # The database away: the next pass, an interval later, picks up where this one failed.
        retry = Backoff(first=interval_seconds, most=interval_seconds)
        await repeat(
            self.run_once, name="listing lifecycle", wake=None, poll_seconds=interval_seconds, backoff=retry
        )


def renewal_date(data: ListingRenew, now: datetime) -> datetime:
    """The end date a renewal asks for, or InvalidInput naming the field at fault."""
    if data.expires_at is not None and data.days is not None:
        raise InvalidInput.field("days", "give either days or expires_at, not both")
    if data.expires_at is None:
        return now + (timedelta(days=data.days) if data.days is not None else DEFAULT_LIFETIME)
    if data.expires_at.tzinfo is None:
        raise InvalidInput.field("expires_at", "give a time zone, e.g. 2027-03-01T00:00:00Z")
    if data.expires_at <= now:
        raise InvalidInput.field("expires_at", "must be in the future")
    if data.expires_at > now + MAX_LIFETIME:
        raise InvalidInput.field("expires_at", "a listing may run at most 365 days from now")
    return data.expires_at


_NOT_RENEWABLE = {
    "draft": "a draft is not published yet; publish it with PATCH (status active, expires_at if you like)",
    "closed": "the listing is closed, which is final; post it again as a new listing",
}


async def renew_listing(
    conn: asyncpg.Connection,
    listing_id: UUID,
    caller_org: UUID,
    data: ListingRenew,
    if_match: str | None = None,
) -> ListingOwner:
    """Give a listing a new end date; an expired listing goes back on the market.

    Whoever may PATCH the listing may renew it (its owner, or the owner's chamber); to anyone
    else it does not exist (404). Active and paused listings keep their status. An expired
    listing becomes active again with its id, reference and match history, as classifieds sites
    let an owner reactivate an ad that simply ran out of time; a closed listing was ended on
    purpose, so it stays closed (409), as do drafts, which get their end date when published.
    If-Match is optional: only the end date changes, so there is no edit to lose, but a stale
    one still gets 412.
    """
    expires_at = renewal_date(data, datetime.now(UTC))
    async with conn.transaction():
        row = await managed_row_for_update(conn, listing_id, caller_org)
        if if_match is not None:
            check_if_match(row, if_match)
        status = row["status"]
        if status in _NOT_RENEWABLE:
            raise Conflict(_NOT_RENEWABLE[status])
        await conn.execute(RENEW_SQL, listing_id, "active" if status == "expired" else status, expires_at)
        # Re-indexed, re-matched, checked against alerts, and the owner told (listing.updated).
        updated = await finish_update(conn, listing_id)
    return owner_view(updated)
