"""The mail sender: drains ``mail_outbox`` (filled by a trigger on events) through a transport.

Each pass claims due rows with ``FOR UPDATE SKIP LOCKED`` in one statement that also leases them
(``next_attempt_at`` = now + lease, ``attempt_started_at`` = now) and commits, so no transaction
stays open across SMTP. Then it sends each and records the result, fenced on the attempt's start:
a result that comes back after its lease was taken over is dropped. A row is ``sent`` once the
server accepted it; the lease keeps every other sender off it until then.

Delivery is at least once, and in practice once: only a crash between the server's acceptance
and the record (or a record that outlives the lease) sends a row again, with the same
Message-ID, which lets the receiving side drop the copy. A 5xx refusal of the recipient, an
address that is not one, or data that cannot be rendered is ``failed`` at once; anything else is
retried with the webhooks' backoff and given up as ``failed`` 24 hours after the first attempt.
"""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import asyncpg
import msgspec
import structlog

from market.jobs import repeat
from market.mail.message import build_message, mail_domain
from market.mail.render import render_mail
from market.mail.transport import EmlDirectory, MailTransport, SmtpTransport, Undeliverable, parse_smtp_url
from market.retries import lease_assignments, retry_delay
from market.settings import Settings

__all__ = ["LEASE_MARGIN", "SMTP_TIMEOUT", "MailSender", "mail_transport"]

log = structlog.get_logger(name=__name__)

SMTP_TIMEOUT = 30.0
"""Time allowed for one attempt, connection to QUIT."""
LEASE_MARGIN = 5.0
"""A lease outlasts the attempt's timeout by this much, so a live attempt is never taken over."""
ERROR_EXCERPT = 300

CLAIM_SQL = f"""
WITH claimed AS (
    SELECT id FROM mail_outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE mail_outbox m
SET {lease_assignments("m")}
FROM claimed, events e
WHERE m.id = claimed.id AND e.id = m.event_id
RETURNING m.id, m.event_id, m.to_address, m.language, m.attempts, m.attempt_started_at,
          m.first_attempt_at, e.type, e.data::text AS data, e.created_at
"""
# A batch's results in one statement, each fenced by its attempt's start; returns the rows
# recorded (a row missing there had its lease taken over: its result is dropped).
RECORD_SQL = """
UPDATE mail_outbox m
SET status = r.status, next_attempt_at = now() + make_interval(secs => coalesce(r.delay, 0)),
    sent_at = CASE WHEN r.status = 'sent' THEN now() END,
    attempt_started_at = NULL, last_attempt_at = r.started, last_error = r.error
FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::float8[], $5::text[])
     AS r (id, started, status, delay, error)
WHERE m.id = r.id AND m.attempt_started_at = r.started
RETURNING m.id
"""


class Attempt(msgspec.Struct, frozen=True):
    """What one attempt came to."""

    claim: asyncpg.Record
    status: str
    where: str | None
    error: str | None
    delay: float | None


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= ERROR_EXCERPT else text[: ERROR_EXCERPT - 1] + "…"


def mail_transport(settings: Settings) -> MailTransport:
    """SMTP when ``MARKET_SMTP_URL`` is set (a bad URL is a ``ValueError`` naming it), else
    ``.eml`` files under ``<state dir>/mail``."""
    if settings.smtp_url:
        return SmtpTransport(parse_smtp_url(settings.smtp_url), timeout=SMTP_TIMEOUT)
    directory = settings.state_path / "mail"
    if settings.env == "prod":
        log.warning("no MARKET_SMTP_URL: email is written to files, not sent", directory=str(directory))
    return EmlDirectory(directory)


class MailSender:
    """Sends ``mail_outbox`` rows through ``transport``, up to ``batch_size`` at once."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        transport: MailTransport,
        *,
        mail_from: str,
        timeout: float = SMTP_TIMEOUT,
        retry_scale: float = 1.0,
        batch_size: int = 50,
        settle_seconds: float = 0.2,
    ) -> None:
        mail_domain(mail_from)  # a From without an address is a start-up error, not 24 h of retries
        self.pool = pool
        self.transport = transport
        self.mail_from = mail_from
        self.timeout = timeout
        self.lease_seconds = timeout + LEASE_MARGIN
        self.retry_scale = retry_scale
        self.batch_size = batch_size
        self.settle_seconds = settle_seconds
        """Each pass first waits this long, so a burst of events is sent as one batch (one claim,
        one record) instead of a pass per event; email is not that urgent."""

    @classmethod
    def from_settings(cls, pool: asyncpg.Pool, settings: Settings) -> MailSender:
        return cls(pool, mail_transport(settings), mail_from=settings.mail_from)

    async def drain(self) -> int:
        """Send the due rows, a batch at a time, until a batch comes back short (so a row whose
        retry falls due at once waits for the next pass); return how many attempts were made."""
        attempted = 0
        await asyncio.sleep(self.settle_seconds)
        while True:
            rows = await self.pool.fetch(CLAIM_SQL, self.batch_size, self.lease_seconds)
            if rows:
                await self._record(await asyncio.gather(*(self._attempt(row) for row in rows)))
            attempted += len(rows)
            if len(rows) < self.batch_size:
                return attempted

    async def run_forever(self, *, wake: asyncio.Event | None, poll_seconds: float = 2.0) -> None:
        """Send whenever ``wake`` is set (a NOTIFY of a new event), and poll for due retries,
        until cancelled. Attempts cut short keep their lease; when it runs out they are tried again."""
        await repeat(self.drain, name="mail sender", wake=wake, poll_seconds=poll_seconds)

    async def _attempt(self, claim: asyncpg.Record) -> Attempt | None:
        """One row's attempt; None if it failed in a way nobody foresaw (its lease runs out and it
        is tried again), so one row never takes the sender down."""
        try:
            return await self._attempt_one(claim)
        except Exception:
            log.exception("mail attempt failed unexpectedly; the lease will expire", outbox_id=claim["id"])
            return None

    def _compose(self, claim: asyncpg.Record) -> EmailMessage:
        data = msgspec.json.decode(claim["data"])  # text, whatever codecs the pool has
        rendered = render_mail(claim["type"], data, claim["language"], claim["created_at"])
        return build_message(
            outbox_id=claim["id"],
            event_id=claim["event_id"],
            to_address=claim["to_address"],
            mail_from=self.mail_from,
            rendered=rendered,
            created_at=claim["created_at"],
        )

    async def _send(self, claim: asyncpg.Record) -> tuple[str | None, str | None, bool]:
        """One attempt: (where it went or None, why it failed or None, whether to retry)."""
        try:
            # About a millisecond of the email package's work a message: beside the event loop.
            message = await asyncio.to_thread(self._compose, claim)
        except ValueError as exc:  # MailDataError, or a To that is not one address
            return None, _excerpt(f"cannot be written: {exc}"), False
        try:
            async with asyncio.timeout(self.timeout):
                return await self.transport.send(message, outbox_id=claim["id"]), None, True
        except Undeliverable as exc:
            return None, _excerpt(str(exc)), False
        except TimeoutError:
            return None, f"no answer within {self.timeout:g} s", True
        except Exception as exc:  # the server away, a 4xx, a TLS failure: worth another try
            return None, _excerpt(f"{type(exc).__name__}: {exc}"), True

    async def _attempt_one(self, claim: asyncpg.Record) -> Attempt:
        started = time.monotonic()
        where, error, retry = await self._send(claim)
        delay: float | None = None
        if error is None:
            status = "sent"
        else:
            elapsed = (claim["attempt_started_at"] - claim["first_attempt_at"]).total_seconds()
            if retry:
                delay = retry_delay(
                    claim["attempts"], elapsed + time.monotonic() - started, scale=self.retry_scale
                )
            status = "pending" if delay is not None else "failed"
        return Attempt(claim, status, where, error, delay)

    async def _record(self, attempts: list[Attempt | None]) -> None:
        done = [a for a in attempts if a is not None]
        if not done:
            return
        columns = (
            [a.claim["id"] for a in done],
            [a.claim["attempt_started_at"] for a in done],
            [a.status for a in done],
            [a.delay for a in done],
            [a.error for a in done],
        )
        # Shielded: a shutdown arriving now must not leave a message the server took unrecorded
        # (it would be sent again once the lease ran out).
        recorded = {r["id"] for r in await asyncio.shield(self.pool.fetch(RECORD_SQL, *columns))}
        for a in done:
            log.info(
                "mail attempt",
                outbox_id=a.claim["id"],
                event_type=a.claim["type"],
                attempt=a.claim["attempts"],
                status=a.status,
                sent_to=a.where,
                error=a.error,
                retry_in=None if a.delay is None else round(a.delay, 1),
                stale=a.claim["id"] not in recorded,
            )
