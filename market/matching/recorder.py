"""Match events: when a listing becomes active, its matches are computed in the background and
recorded in both organizations' inboxes.

Jobs wait in ``match_jobs`` (written in the same transaction as the listing), so none is lost if
the process dies; they are claimed with ``FOR UPDATE SKIP LOCKED`` and removed only after their
events are written.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
import structlog

from market.events import notify_events
from market.matching.service import MatchFilters, find_matches
from search.client import SearchReader, SearchUnavailable

__all__ = ["EVENT_MIN_SCORE", "MAX_ATTEMPTS", "MatchRecorder"]

log = structlog.get_logger(name=__name__)

EVENT_MIN_SCORE = 0.5
"""Weaker suggestions stay available on demand (GET /v1/listings/{id}/matches) but fill no inbox."""

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
# New pairs also become match.created events (for webhooks), in the same statement; a pair seen
# again only has its score refreshed. Events name both listings and their external references,
# so an integration can map them to its own records.
RECORD_SQL = """
WITH recorded AS (
    INSERT INTO match_events (organization_id, listing_id, counterpart_id, score, explanation)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::real[], $5::text[])
    ON CONFLICT (listing_id, counterpart_id) DO UPDATE
    SET score = excluded.score, explanation = excluded.explanation
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


class MatchRecorder:
    """Drains ``match_jobs`` into ``match_events``."""

    def __init__(
        self, pool: asyncpg.Pool, reader: SearchReader, index_uid: str, *, batch_size: int = 20
    ) -> None:
        self.pool = pool
        self.reader = reader
        self.index_uid = index_uid
        self.batch_size = batch_size

    async def run_once(self) -> int:
        async with self.pool.acquire() as conn, conn.transaction():
            jobs = await conn.fetch(CLAIM_SQL, self.batch_size)
            if not jobs:
                return 0
            # (listing, counterpart) -> (inbox owner, score, explanation); two jobs in one batch
            # (an offer and the demand it matches) find the same pairs from both ends.
            events: dict[tuple[UUID, UUID], tuple[UUID, float, str]] = {}
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
                    events[(job["listing_id"], match.listing.id)] = (
                        job["organization_id"],
                        match.score,
                        match.explanation,
                    )
                    events[(match.listing.id, job["listing_id"])] = (
                        match.listing.organization.id,
                        match.score,
                        match.explanation,
                    )
            if events:
                owners = [owner for owner, _, _ in events.values()]
                mine = [pair[0] for pair in events]
                theirs = [pair[1] for pair in events]
                scores = [score for _, score, _ in events.values()]
                reasons = [reason for _, _, reason in events.values()]
                await conn.execute(RECORD_SQL, owners, mine, theirs, scores, reasons)
                await notify_events(conn)
            await conn.execute(DONE_SQL, [j["id"] for j in jobs if j["listing_id"] not in failed])
            for listing_id, error in failed.items():
                ids = [j["id"] for j in jobs if j["listing_id"] == listing_id]
                set_aside = await conn.fetchval(FAILED_SQL, ids, error, MAX_ATTEMPTS)
                if set_aside:
                    log.error("match job set aside", listing_id=str(listing_id), attempts=MAX_ATTEMPTS)
        log.debug("match jobs recorded", jobs=len(jobs), events=len(events))
        return len(jobs)

    async def drain(self) -> int:
        total = 0
        while count := await self.run_once():
            total += count
        return total
