"""The webhook dispatcher: a durable queue in PostgreSQL, drained over HTTP.

Each pass claims due deliveries with ``FOR UPDATE SKIP LOCKED`` in one statement that also
leases them (``next_attempt_at`` = now + lease) and commits, so no transaction stays open
across an HTTP call. Then it POSTs each and records the result. A process that dies
mid-attempt leaves a lease that runs out, and the delivery is tried again with the same
``webhook-id``: delivery is at least once.

Per endpoint, a delivery about a listing waits while an older delivery about the same listing
is still pending, so each endpoint hears about one listing in order.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import asyncpg
import msgspec
import structlog

from market.events import notify_events
from market.jobs import repeat
from market.retries import lease_assignments, retry_delay
from market.settings import Settings
from market.webhooks.service import MESSAGE_ID_SQL, loopback_allowed
from market.webhooks.signing import signed_headers
from market.webhooks.ssrf import UnsafeUrl, check_url, delivery_session
from schemas.webhooks import WebhookPayload

__all__ = ["WebhookDispatcher", "payload_body"]

log = structlog.get_logger(name=__name__)

LEASE_MARGIN = 5.0
"""A lease outlasts the HTTP timeout by this much, so a live attempt is never taken over."""
BODY_CAP = 64 * 1024
ERROR_EXCERPT = 200

PER_ENDPOINT = 4
"""Attempts in flight to one endpoint at most, so a slow or dead receiver cannot hold every slot."""

# Due deliveries, oldest due first, at most PER_ENDPOINT in flight per endpoint (counting those
# other workers hold), and none about a listing while an older one about it is pending there.
CLAIM_SQL = f"""
WITH due AS (
    SELECT d.id, d.endpoint_id, d.next_attempt_at
    FROM webhook_deliveries d
    JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.disabled_at IS NULL
    WHERE d.status = 'pending' AND d.next_attempt_at <= now()
      AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries older
          WHERE older.endpoint_id = d.endpoint_id AND older.listing_id = d.listing_id
            AND older.status = 'pending' AND older.event_id < d.event_id)
),
busy AS (
    SELECT endpoint_id, count(*) AS in_flight FROM webhook_deliveries
    WHERE attempt_started_at IS NOT NULL AND status = 'pending' AND next_attempt_at > now()
    GROUP BY endpoint_id
),
ranked AS (
    SELECT due.id, coalesce(busy.in_flight, 0)
           + row_number() OVER (PARTITION BY due.endpoint_id ORDER BY due.next_attempt_at, due.id) AS slot
    FROM due LEFT JOIN busy USING (endpoint_id)
),
claimed AS (
    SELECT d.id FROM webhook_deliveries d
    WHERE d.id IN (SELECT id FROM ranked WHERE slot <= {PER_ENDPOINT})
      AND d.status = 'pending' AND d.next_attempt_at <= now()
    ORDER BY d.next_attempt_at, d.id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE webhook_deliveries d
SET {lease_assignments("d")}
FROM claimed, webhook_endpoints w, events e
WHERE d.id = claimed.id AND w.id = d.endpoint_id AND e.id = d.event_id
RETURNING d.id, {MESSAGE_ID_SQL} AS message_id, d.attempts, d.attempt_started_at,
          d.first_attempt_at, d.listing_id, w.url, w.secret, e.type, e.data, e.created_at,
          e.organization_id
"""
# Fenced by the attempt's start: a result that comes back after its lease was taken over (or
# after the endpoint was deleted) is dropped.
RECORD_SQL = """
UPDATE webhook_deliveries
SET status = $3, next_attempt_at = now() + make_interval(secs => $4),
    delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
    attempt_started_at = NULL, last_attempt_at = $2, last_status_code = $5, last_error = $6
WHERE id = $1 AND attempt_started_at = $2
"""


def payload_body(claim: asyncpg.Record | dict[str, Any]) -> bytes:
    """The JSON body: ``{"type", "timestamp", "data"}``, identical on every attempt."""
    data = {**claim["data"], "organization_id": str(claim["organization_id"])}
    return msgspec.json.encode(WebhookPayload(type=claim["type"], timestamp=claim["created_at"], data=data))


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_EXCERPT else text[: ERROR_EXCERPT - 1] + "…"


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    """At most ``BODY_CAP`` bytes of the answer: a receiver cannot make us read a gigabyte."""
    body = b""
    while len(body) < BODY_CAP:
        chunk = await response.content.read(BODY_CAP - len(body))
        if not chunk:
            break
        body += chunk
    return body


class WebhookDispatcher:
    """Delivers ``webhook_deliveries``: up to ``concurrency`` attempts in flight at once."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        allow_loopback: bool = False,
        timeout: float = 10.0,
        retry_scale: float = 1.0,
        concurrency: int = 16,
    ) -> None:
        self.pool = pool
        self.allow_loopback = allow_loopback
        self.timeout = timeout
        self.lease_seconds = timeout + LEASE_MARGIN
        self.retry_scale = retry_scale
        self.concurrency = concurrency
        self._session: aiohttp.ClientSession | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._claiming = asyncio.Lock()
        self._more_due = False
        self._refill: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, pool: asyncpg.Pool, settings: Settings) -> WebhookDispatcher:
        return cls(
            pool,
            allow_loopback=loopback_allowed(settings),
            timeout=settings.webhook_timeout_seconds,
            retry_scale=settings.webhook_retry_scale,
        )

    async def drain(self) -> int:
        """Claim what is due (up to the free slots) and start the attempts; return how many."""
        claimed = 0
        async with self._claiming:
            while (free := self.concurrency - len(self._in_flight)) > 0:
                rows = await self.pool.fetch(CLAIM_SQL, free, self.lease_seconds)
                for row in rows:
                    task = asyncio.create_task(self._attempt(row))
                    self._in_flight.add(task)
                    task.add_done_callback(self._finished)
                claimed += len(rows)
                # Every free slot taken: more may be due, so a finished attempt claims again at once.
                self._more_due = len(rows) == free
                if not self._more_due:
                    break
        return claimed

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._more_due and (self._refill is None or self._refill.done()):
            self._refill = asyncio.create_task(self._drain_quietly())

    async def _drain_quietly(self) -> None:
        try:
            await self.drain()
        except Exception as exc:  # the loop's next pass retries
            log.warning("webhook dispatcher refill failed", error=repr(exc))

    async def run_forever(self, *, wake: asyncio.Event | None, poll_seconds: float = 1.0) -> None:
        """Deliver whenever ``wake`` is set (a NOTIFY of a new event), and poll for due retries,
        until cancelled."""
        self._session = delivery_session(
            allow_loopback=self.allow_loopback, timeout=self.timeout, limit=self.concurrency
        )
        try:
            await repeat(self.drain, name="webhook dispatcher", wake=wake, poll_seconds=poll_seconds)
        finally:
            # Attempts cut short here keep their lease; when it runs out they are tried again.
            self._more_due = False
            pending = [*self._in_flight, *([self._refill] if self._refill else [])]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await self._session.close()

    async def _post(self, claim: asyncpg.Record, body: bytes) -> tuple[int | None, str | None]:
        """POST one attempt: (HTTP status or None, why it failed or None)."""
        assert self._session is not None
        try:
            check_url(claim["url"], allow_loopback=self.allow_loopback)
        except UnsafeUrl as exc:
            return None, f"refused: {exc}"
        headers = {
            "Content-Type": "application/json",
            **signed_headers(claim["secret"], claim["message_id"], body),
        }
        try:
            async with self._session.post(
                claim["url"], data=body, headers=headers, allow_redirects=False
            ) as response:
                status, location = response.status, response.headers.get("Location", "")
                # A 2xx is the whole answer we need; a slow body after it must not undo it.
                answer = b"" if 200 <= status < 300 else await _read_capped(response)
        except TimeoutError:
            return None, f"no answer within {self.timeout:g} s"
        except (aiohttp.ClientError, OSError) as exc:
            return None, _excerpt(f"{type(exc).__name__}: {exc}")
        if 200 <= status < 300:
            return status, None
        if 300 <= status < 400:
            return status, _excerpt(f"HTTP {status}: redirects are not followed ({location})")
        return status, _excerpt(f"HTTP {status}: {answer.decode('utf-8', 'replace')}")

    async def _attempt(self, claim: asyncpg.Record) -> None:
        try:
            await self._attempt_and_record(claim)
        except Exception:  # never let one delivery take the dispatcher down; its lease expires
            log.exception("webhook attempt failed unexpectedly; the lease will expire", delivery=claim["id"])

    async def _attempt_and_record(self, claim: asyncpg.Record) -> None:
        started = time.monotonic()
        status_code, error = await self._post(claim, payload_body(claim))
        delay: float | None = None
        if error is None:
            status = "delivered"
        else:
            elapsed = (claim["attempt_started_at"] - claim["first_attempt_at"]).total_seconds()
            delay = retry_delay(
                claim["attempts"], elapsed + time.monotonic() - started, scale=self.retry_scale
            )
            status = "pending" if delay is not None else "failed"
        await self.pool.execute(
            RECORD_SQL, claim["id"], claim["attempt_started_at"], status, delay, status_code, error
        )
        if claim["listing_id"] is not None and status != "pending":
            await notify_events(self.pool)  # the next delivery about this listing may go now
        log.info(
            "webhook attempt",
            delivery=claim["id"],
            attempt=claim["attempts"],
            status=status,
            status_code=status_code,
            error=error,
            retry_in=None if delay is None else round(delay, 1),
        )
