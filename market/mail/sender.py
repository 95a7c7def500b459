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
RECORD_SQL = """
UPDATE mail_outbox
SET status = $3, next_attempt_at = now() + make_interval(secs => coalesce($4, 0)),
    sent_at = CASE WHEN $3 = 'sent' THEN now() END,
    attempt_started_at = NULL, last_attempt_at = $2, last_error = $5
WHERE id = $1 AND attempt_started_at = $2
"""


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
        batch_size: int = 16,
    ) -> None:
        mail_domain(mail_from)  # a From without an address is a start-up error, not 24 h of retries
        self.pool = pool
        self.transport = transport
        self.mail_from = mail_from
        self.timeout = timeout
        self.lease_seconds = timeout + LEASE_MARGIN
        self.retry_scale = retry_scale
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, pool: asyncpg.Pool, settings: Settings) -> MailSender:
        return cls(pool, mail_transport(settings), mail_from=settings.mail_from)

    async def drain(self) -> int:
        """Send the due rows, a batch at a time, until a batch comes back short (so a row whose
        retry falls due at once waits for the next pass); return how many attempts were made."""
        attempted = 0
        while True:
            rows = await self.pool.fetch(CLAIM_SQL, self.batch_size, self.lease_seconds)
            await asyncio.gather(*(self._attempt(row) for row in rows))
            attempted += len(rows)
            if len(rows) < self.batch_size:
                return attempted

    async def run_forever(self, *, wake: asyncio.Event | None, poll_seconds: float = 2.0) -> None:
        """Send whenever ``wake`` is set (a NOTIFY of a new event), and poll for due retries,
        until cancelled. Attempts cut short keep their lease; when it runs out they are tried again."""
        await repeat(self.drain, name="mail sender", wake=wake, poll_seconds=poll_seconds)

    async def _attempt(self, claim: asyncpg.Record) -> None:
        try:
            await self._attempt_and_record(claim)
        except Exception:  # one row never takes the sender down; its lease runs out
            log.exception("mail attempt failed unexpectedly; the lease will expire", outbox_id=claim["id"])

    async def _send(self, claim: asyncpg.Record) -> tuple[str | None, str | None, bool]:
        """One attempt: (where it went or None, why it failed or None, whether to retry)."""
        try:
            data = msgspec.json.decode(claim["data"])  # text, whatever codecs the pool has
            rendered = render_mail(claim["type"], data, claim["language"], claim["created_at"])
            message = build_message(
                outbox_id=claim["id"],
                event_id=claim["event_id"],
                to_address=claim["to_address"],
                mail_from=self.mail_from,
                rendered=rendered,
                created_at=claim["created_at"],
            )
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

    async def _attempt_and_record(self, claim: asyncpg.Record) -> None:
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
        # Shielded: a shutdown arriving now must not leave a message the server took unrecorded
        # (it would be sent again once the lease ran out).
        recorded = await asyncio.shield(
            self.pool.execute(RECORD_SQL, claim["id"], claim["attempt_started_at"], status, delay, error)
        )
        log.info(
            "mail attempt",
            outbox_id=claim["id"],
            event_type=claim["type"],
            attempt=claim["attempts"],
            status=status,
            sent_to=where,
            error=error,
            retry_in=None if delay is None else round(delay, 1),
            stale=recorded == "UPDATE 0",
        )
