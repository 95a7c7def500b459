"""Match events: when a listing becomes active, its matches are computed in the background and
recorded in both organizations' inboxes.

Jobs wait in ``match_jobs`` (written in the same transaction as the listing), so none is lost if
the process dies; they are claimed with ``FOR UPDATE SKIP LOCKED`` and removed only after their
events are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple
from uuid import UUID

import asyncpg
import structlog

from market.events import notify_events
from market.matching.service import MatchFilters, find_matches
from search.client import SearchReader, SearchUnavailable

__all__ = [
    "EVENT_MIN_SCORE",
    "MAX_ATTEMPTS",
    "MAX_EVENTS_PER_LISTING",
    "InboxEvent",
    "MatchRecorder",
    "best_per_organization_pair",
]

log = structlog.get_logger(name=__name__)

EVENT_MIN_SCORE = 0.5
"""Weaker suggestions stay available on demand (GET /v1/listings/{id}/matches) but fill no inbox."""

MAX_EVENTS_PER_LISTING = 20
"""Inbox events (and match.created webhooks) a listing can gather: the top counterpart organizations
by score. Twenty is what a person reads and acts on for one listing; the full ranked list stays
available on demand (GET /v1/listings/{id}/matches), so nothing is hidden, only not pushed."""

# A job waits until every listing written up to its own write is in the search index, so that
# two listings posted a moment apart still find each other (candidates come from the index).
CLAIM_SQL = """
SELECT j.id, j.listing_id, l.organization_id, l.status
FROM match_jobs j JOIN listings l ON l.id = j.listing_id
WHERE j.failed_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM search_outbox o WHERE o.enqueued_at <= j.enqueued_at AND o.failed_at IS NULL
  )
ORDER BY j.id LIMIT $1 FOR UPDATE OF j SKIP LOCKED
"""
# New pairs also become match.created events (for webhooks), in the same statement. One event per
# organization pair and listing: a listing's inbox names each counterpart organization once (by its
# best listing), and an organization hears about a counterpart listing once (through its own best
# listing). A better listing of an organization already named replaces the one shown, in place
# (same event id, no second match.created); a listing holds at most MAX_EVENTS_PER_LISTING events.
# Events name both listings and their external references, so an integration can map them.
RECORD_SQL = """
WITH incoming AS (
    SELECT u.*, row_number() OVER (PARTITION BY u.listing_id ORDER BY u.score DESC) AS rank
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::real[], $5::text[], $6::uuid[])
         AS u (organization_id, listing_id, counterpart_id, score, explanation, counterpart_org)
    WHERE NOT EXISTS (
        SELECT 1 FROM match_events m
        WHERE m.organization_id = u.organization_id AND m.counterpart_id = u.counterpart_id
          AND m.listing_id <> u.listing_id
    )
), recorded AS (
    INSERT INTO match_events (organization_id, listing_id, counterpart_id, score, explanation,
                              counterpart_organization_id)
    SELECT i.organization_id, i.listing_id, i.counterpart_id, i.score, i.explanation, i.counterpart_org
    FROM incoming i
    WHERE EXISTS (SELECT 1 FROM match_events m WHERE m.listing_id = i.listing_id
                    AND m.counterpart_organization_id = i.counterpart_org)
       OR i.rank + (SELECT count(*) FROM match_events m WHERE m.listing_id = i.listing_id) <= $7
    ON CONFLICT (listing_id, counterpart_organization_id) DO UPDATE
    SET counterpart_id = excluded.counterpart_id, score = excluded.score,
        explanation = excluded.explanation
    WHERE excluded.score > match_events.score OR excluded.counterpart_id = match_events.counterpart_id
    RETURNING id, organization_id, listing_id, counterpart_id, score, explanation, (xmax = 0) AS inserted
)
INSERT INTO events (organization_id, type, listing_id, data)
SELECT r.organization_id, 'match.created', r.listing_id, jsonb_build_object(
    'match_id', r.id, 'organization_id', r.organization_id, 'score', r.score,
    'explanation', r.explanation,
    'listing', jsonb_build_object('id', l.id, 'external_ref', l.external_ref, 'title', l.title,
                                  'side', l.side),
    'counterpart', jsonb_build_object('id', c.id, 'title', c.title, 'side', c.side,
                                      'hs_code', c.hs_code, 'organization_id', c.organization_id,
                                      'organization_name', co.name, 'country', co.country))
FROM recorded r
JOIN listings l ON l.id = r.listing_id
JOIN listings c ON c.id = r.counterpart_id
JOIN organizations co ON co.id = c.organization_id
WHERE r.inserted
ORDER BY r.id
"""
DONE_SQL = "DELETE FROM match_jobs WHERE id = any($1::bigint[])"
FAILED_SQL = """
UPDATE match_jobs SET attempts = attempts + 1, last_error = $2,
       failed_at = CASE WHEN attempts + 1 >= $3 THEN now() END
WHERE id = any($1::bigint[])
RETURNING failed_at IS NOT NULL AS set_aside
"""
MAX_ATTEMPTS = 5
"""A job failing this often for a reason other than an unavailable service is set aside."""
# Failures that say nothing about the job: the whole pass rolls back and is retried with backoff.
TRANSIENT = (SearchUnavailable, asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError)


class InboxEvent(NamedTuple):
    """One match as one organization's inbox would show it."""

    owner: UUID
    listing: UUID
    counterpart: UUID
    counterpart_organization: UUID
    score: float
    explanation: str


def best_per_organization_pair(candidates: list[InboxEvent]) -> list[InboxEvent]:
    """Keep, of matches found in one pass, the best per (listing, counterpart organization) and
    then per (owner, counterpart listing): two jobs in one batch (an offer and the demand it
    matches) find the same pair from both ends, and look-alike lots of one seller are one event."""
    by_listing: dict[tuple[UUID, UUID], InboxEvent] = {}
    for event in candidates:
        key = (event.listing, event.counterpart_organization)
        if key not in by_listing or by_listing[key].score < event.score:
            by_listing[key] = event
    by_owner: dict[tuple[UUID, UUID], InboxEvent] = {}
    for event in by_listing.values():
        key = (event.owner, event.counterpart)
        if key not in by_owner or by_owner[key].score < event.score:
            by_owner[key] = event
    return list(by_owner.values())


class MatchRecorder:
    """Drains ``match_jobs`` into ``match_events`` (a ``market.jobs.BatchJob``)."""

    claim_sql = CLAIM_SQL

    def __init__(
        self, pool: asyncpg.Pool, reader: SearchReader, index_uid: str, *, batch_size: int = 20
    ) -> None:
        self.pool = pool
        self.reader = reader
        self.index_uid = index_uid
        self.batch_size = batch_size

    async def run(self, conn: asyncpg.Connection, jobs: Sequence[asyncpg.Record]) -> int:
        """Find the claimed listings' matches and record them; a failing job is retried, then set aside."""
        candidates: list[InboxEvent] = []
        failed: dict[UUID, str] = {}
        for job in {j["listing_id"]: j for j in jobs}.values():
            if job["status"] != "active":
                continue
            try:
                async with conn.transaction():  # a savepoint: one bad job spoils no other
                    found = await find_matches(
                        conn,
                        self.reader,
                        self.index_uid,
                        job["listing_id"],
                        job["organization_id"],
                        MatchFilters(min_score=EVENT_MIN_SCORE, limit=50),
                    )
            except TRANSIENT:
                raise
            except Exception as exc:
                log.exception("match job failed", listing_id=str(job["listing_id"]))
                failed[job["listing_id"]] = repr(exc)[:500]
                continue
            for match in found.matches:
                # One event in each inbox: the new listing's owner, and the counterpart's.
                their_org = match.listing.organization.id
                mine = (job["listing_id"], job["organization_id"])
                theirs = (match.listing.id, their_org)
                for (listing, owner), (counterpart, other) in ((mine, theirs), (theirs, mine)):
                    candidates.append(
                        InboxEvent(owner, listing, counterpart, other, match.score, match.explanation)
                    )
        rows = best_per_organization_pair(candidates)
        if rows:
            await conn.execute(
                RECORD_SQL,
                [r.owner for r in rows],
                [r.listing for r in rows],
                [r.counterpart for r in rows],
                [r.score for r in rows],
                [r.explanation for r in rows],
                [r.counterpart_organization for r in rows],
                MAX_EVENTS_PER_LISTING,
            )
            await notify_events(conn)
        await conn.execute(DONE_SQL, [j["id"] for j in jobs if j["listing_id"] not in failed])
        for listing_id, error in failed.items():
            ids = [j["id"] for j in jobs if j["listing_id"] == listing_id]
            set_aside = await conn.fetchval(FAILED_SQL, ids, error, MAX_ATTEMPTS)
            if set_aside:
                log.error("match job set aside", listing_id=str(listing_id), attempts=MAX_ATTEMPTS)
        log.debug("match jobs recorded", jobs=len(jobs), events=len(candidates))
        return len(jobs)
