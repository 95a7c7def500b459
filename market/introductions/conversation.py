"""After acceptance: messages (with quotes) between the two sides, and the outcome either records."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import asyncpg
import msgspec

from market.auth import Caller
from market.cursors import cursor_value
from market.errors import Conflict, Forbidden, InvalidInput, TooManyRequests
from market.introductions.proposals import check_proposal
from market.introductions.service import locked_row, record_events, require_status
from market.introductions.views import EXCERPT, INTRODUCTION_SQL, Side, introduction_view, visible_row
from market.settings import Settings
from schemas.introductions import (
    Introduction,
    IntroductionMessage,
    IntroductionMessageCreate,
    IntroductionMessages,
    IntroductionOutcome,
)

__all__ = ["list_messages", "post_message", "record_outcome", "speaking_side"]

RATE_WINDOW = timedelta(hours=1)
INSERT_SQL = """
INSERT INTO introduction_messages (introduction_id, author_id, posted_by, text, quote)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, introduction_id, author_id, posted_by, text, quote, created_at
"""
RATE_SQL = """
SELECT count(*) AS sent, min(created_at) AS oldest, now() AS now FROM introduction_messages
WHERE introduction_id = $1 AND author_id = $2 AND created_at > now() - $3::interval
"""
PAGE_SQL = """
SELECT id, introduction_id, author_id, posted_by, text, quote, created_at FROM introduction_messages
WHERE introduction_id = $1 AND ($2::bigint IS NULL OR id > $2)
ORDER BY id LIMIT $3
"""
OUTCOME_SQL = """
UPDATE introductions SET outcome = $2, outcome_by = $3, outcome_at = now(), updated_at = now()
WHERE id = $1
"""


def speaking_side(caller: Caller, requester: Side, recipient: Side, on_behalf_of: UUID | None) -> Side:
    """The side ``caller`` speaks for: its own organization's, or its member's. A chamber with
    members on both sides names the one in ``on_behalf_of``."""
    mine = [s for s in (requester, recipient) if s.acts_for(caller.organization_id)]
    if on_behalf_of is not None:
        mine = [s for s in mine if s.organization_id == on_behalf_of]
        if not mine:
            raise InvalidInput.field(
                "on_behalf_of", f"{on_behalf_of} is not a side of this introduction that you speak for"
            )
    own = [s for s in mine if s.organization_id == caller.organization_id]
    if own:
        return own[0]
    if not mine:
        raise Forbidden("only the two sides of an introduction (or their chambers) take part in it")
    if len(mine) > 1:
        raise InvalidInput.field("on_behalf_of", "both sides are your members: name the one speaking")
    return mine[0]


async def post_message(
    conn: asyncpg.Connection,
    caller: Caller,
    introduction_id: UUID,
    data: IntroductionMessageCreate,
    settings: Settings,
) -> IntroductionMessage:
    """A message from one side to the other, in an accepted introduction."""
    if data.quote is not None:
        check_proposal(data.quote, "quote")
    async with conn.transaction():
        row, requester, recipient = await locked_row(conn, caller, introduction_id)
        side = speaking_side(caller, requester, recipient, data.on_behalf_of)
        require_status(row, "accepted", "written in")
        usage = await conn.fetchrow(RATE_SQL, introduction_id, side.organization_id, RATE_WINDOW)
        if usage["sent"] >= settings.introduction_messages_per_hour:
            wait = int((usage["oldest"] + RATE_WINDOW - usage["now"]).total_seconds()) + 1
            raise TooManyRequests(
                f"one side may post {settings.introduction_messages_per_hour} messages an hour in an "
                f"introduction; retry in {wait} s",
                retry_after=wait,
            )
        quote = None if data.quote is None else msgspec.to_builtins(data.quote)
        message = await conn.fetchrow(
            INSERT_SQL, introduction_id, side.organization_id, caller.organization_id, data.text, quote
        )
        other = recipient if side == requester else requester
        await record_events(
            conn,
            row,
            "introduction.message",
            [other.organization_id],
            message_id=message["id"],
            text=data.text[:EXCERPT],
            has_quote=data.quote is not None,
        )
    return msgspec.convert(message, IntroductionMessage)


async def list_messages(
    conn: asyncpg.Connection, caller: Caller, introduction_id: UUID, *, cursor: str | None, limit: int
) -> IntroductionMessages:
    visible_row(await conn.fetchrow(INTRODUCTION_SQL, introduction_id), caller, introduction_id)
    rows = await conn.fetch(PAGE_SQL, introduction_id, cursor_value(cursor), limit + 1)
    page = [msgspec.convert(r, IntroductionMessage) for r in rows[:limit]]
    return IntroductionMessages(messages=page, next_cursor=str(page[-1].id) if len(rows) > limit else None)


async def record_outcome(
    conn: asyncpg.Connection, caller: Caller, introduction_id: UUID, data: IntroductionOutcome
) -> Introduction:
    """Either side says what came of an accepted introduction; once said, it stays."""
    async with conn.transaction():
        row, requester, recipient = await locked_row(conn, caller, introduction_id)
        side = speaking_side(caller, requester, recipient, data.on_behalf_of)
        require_status(row, "accepted", "given an outcome")
        if row["outcome"] is not None and row["outcome"] != data.outcome:
            raise Conflict(
                f"the outcome is already recorded as {row['outcome']}",
                current_status=row["status"],
            )
        if row["outcome"] is None:
            await conn.execute(OUTCOME_SQL, introduction_id, data.outcome, side.organization_id)
            row = await conn.fetchrow(INTRODUCTION_SQL, introduction_id)
    return introduction_view(row, caller.organization_id)
