"""emit_many(): every event in one statement, ids in the order given, one NOTIFY per call."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import asyncpg
import pytest
from litestar import Litestar

from market.events import Event, emit_many


class Recording:
    """A connection that remembers the statements sent through it."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.sent: list[str] = []

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        self.sent.append(query)
        return await self.conn.fetch(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        self.sent.append(query)
        return await self.conn.execute(query, *args)


async def test_events_are_written_in_one_statement_in_the_order_given(app: Litestar, make_org) -> None:
    first, second = UUID((await make_org()).id), UUID((await make_org()).id)
    events = [
        Event(organization_id=first, type="listing.updated", data={"n": 1}),
        Event(organization_id=second, type="alert.matched", data={"n": 2}),
        Event(organization_id=first, type="listing.expired", data={"n": 3}),
    ]
    async with app.state.pool.acquire() as conn, conn.transaction():
        recording = Recording(conn)
        ids = await emit_many(cast(asyncpg.Connection, recording), events)
        rows = await conn.fetch(
            "SELECT id, organization_id, type, data FROM events WHERE id = any($1::bigint[]) ORDER BY id", ids
        )
    assert [r["id"] for r in rows] == ids
    assert [(r["organization_id"], r["type"], r["data"]) for r in rows] == [
        (first, "listing.updated", {"n": 1}),
        (second, "alert.matched", {"n": 2}),
        (first, "listing.expired", {"n": 3}),
    ]
    assert len(recording.sent) == 2
    assert "INSERT INTO events" in recording.sent[0] and "pg_notify" in recording.sent[1]


async def test_no_events_send_nothing(app: Litestar) -> None:
    async with app.state.pool.acquire() as conn:
        recording = Recording(conn)
        assert await emit_many(cast(asyncpg.Connection, recording), []) == []
    assert recording.sent == []


async def test_an_unknown_type_writes_none_of_the_events(app: Litestar, make_org) -> None:
    org = UUID((await make_org()).id)
    events = [
        Event(organization_id=org, type="listing.updated", data={}),
        Event(organization_id=org, type=cast(Any, "listing.exploded"), data={}),
    ]
    async with app.state.pool.acquire() as conn:
        recording = Recording(conn)
        with pytest.raises(ValueError, match=r"listing\.exploded"):
            await emit_many(cast(asyncpg.Connection, recording), events)
    assert recording.sent == []
