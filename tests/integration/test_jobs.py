"""The job skeleton against PostgreSQL: batches claimed with SKIP LOCKED, one LISTEN connection
that wakes each loop and comes back after it is cut, and loops that hold no pool connection."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence

import asyncpg
import pytest

from market.db import create_pool
from market.jobs import Backoff, Listener, drain
from market.settings import Settings


@pytest.fixture
async def pool(settings: Settings) -> AsyncIterator[asyncpg.Pool]:
    assert settings.database_url
    opened = await create_pool(settings.database_url, min_size=1, max_size=4)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def queue(pool: asyncpg.Pool) -> AsyncIterator[str]:
    """A queue table of this test's own, holding rows 1..50."""
    table = f"test_queue_{secrets.token_hex(4)}"
    await pool.execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    await pool.execute(f"INSERT INTO {table} SELECT generate_series(1, 50)")
    try:
        yield table
    finally:
        await pool.execute(f"DROP TABLE {table}")


class Deleting:
    """A BatchJob that deletes what it claims, slowly, and fails once on row ``poison``."""

    def __init__(self, pool: asyncpg.Pool, table: str, *, poison: int | None = None) -> None:
        self.pool = pool
        self.batch_size = 5
        self.table = table
        self.claim_sql = f"SELECT id FROM {table} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
        self.poison = poison
        self.seen: list[int] = []

    async def run(self, conn: asyncpg.Connection, claimed: Sequence[asyncpg.Record]) -> int:
        ids = [r["id"] for r in claimed]
        if self.poison in ids:
            self.poison = None
            raise RuntimeError("a bad batch")
        await asyncio.sleep(0.01)  # long enough for the other worker to claim past these rows
        self.seen += ids
        await conn.execute(f"DELETE FROM {self.table} WHERE id = any($1::int[])", ids)
        return len(ids)


async def test_two_workers_drain_one_queue_without_sharing_a_row(pool: asyncpg.Pool, queue: str) -> None:
    first, second = Deleting(pool, queue), Deleting(pool, queue)
    counts = await asyncio.gather(drain(first), drain(second))
    assert sum(counts) == 50
    assert sorted(first.seen + second.seen) == list(range(1, 51))
    assert first.seen and second.seen, "SKIP LOCKED let both work at once"


async def test_a_failed_batch_rolls_back_and_its_rows_wait_for_the_next_drain(
    pool: asyncpg.Pool, queue: str
) -> None:
    job = Deleting(pool, queue, poison=13)
    with pytest.raises(RuntimeError):
        await drain(job)
    assert await pool.fetchval(f"SELECT count(*) FROM {queue}") == 40  # two batches done, one undone
    assert await drain(job) == 40
    assert await pool.fetchval(f"SELECT count(*) FROM {queue}") == 0


@contextlib.asynccontextmanager
async def listening(listener: Listener) -> AsyncIterator[None]:
    task = asyncio.create_task(listener.run_forever())
    try:
        await asyncio.wait_for(listener.connected.wait(), timeout=10)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def named_listener(settings: Settings, name: str) -> Listener:
    assert settings.database_url
    dsn = settings.database_url

    async def connect() -> asyncpg.Connection:
        return await asyncpg.connect(dsn, server_settings={"application_name": name})

    return Listener(connect, backoff=Backoff(first=0.05, most=0.2))


async def _backends(pool: asyncpg.Pool, name: str) -> list[asyncpg.Record]:
    sql = "SELECT pid, query FROM pg_stat_activity WHERE application_name = $1"
    return list(await pool.fetch(sql, name))


async def test_one_connection_listens_for_every_loop_and_wakes_only_the_loops_notified(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    name = f"test listener {secrets.token_hex(4)}"
    listener = named_listener(settings, name)
    channels = [f"test_jobs_{secrets.token_hex(4)}" for _ in range(2)]
    first, also_first = listener.wake_on(channels[0]), listener.wake_on(channels[0])
    second = listener.wake_on(channels[1])
    async with listening(listener):
        assert len(await _backends(pool, name)) == 1
        for event in (first, also_first, second):
            event.clear()  # set on connecting, for what was notified while nobody listened
        await pool.execute("SELECT pg_notify($1, '')", channels[0])
        await asyncio.wait_for(asyncio.gather(first.wait(), also_first.wait()), timeout=5)
        assert not second.is_set()
        await pool.execute("SELECT pg_notify($1, '')", channels[1])
        await asyncio.wait_for(second.wait(), timeout=5)
        with pytest.raises(RuntimeError):
            listener.wake_on("too_late")


async def test_a_cut_listener_connection_comes_back_and_wakes_every_loop(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    name = f"test listener {secrets.token_hex(4)}"
    listener = named_listener(settings, name)
    channel = f"test_jobs_{secrets.token_hex(4)}"
    wake = listener.wake_on(channel)
    async with listening(listener):
        (backend,) = await _backends(pool, name)
        wake.clear()
        listener.connected.clear()
        await pool.execute("SELECT pg_terminate_backend($1)", backend["pid"])  # as a restart does
        await asyncio.wait_for(listener.connected.wait(), timeout=10)
        assert wake.is_set(), "a loop is woken to catch up on what was notified while cut off"
        (again,) = await _backends(pool, name)
        assert again["pid"] != backend["pid"]
        wake.clear()
        await pool.execute("SELECT pg_notify($1, '')", channel)
        await asyncio.wait_for(wake.wait(), timeout=5)


async def test_a_listener_started_while_the_database_is_away_keeps_trying(settings: Settings) -> None:
    attempts = 0
    assert settings.database_url
    dsn = settings.database_url

    async def connect() -> asyncpg.Connection:
        nonlocal attempts
        attempts += 1
        if attempts < 3:
            raise ConnectionRefusedError("the database is away")
        return await asyncpg.connect(dsn)

    listener = Listener(connect, backoff=Backoff(first=0.01, most=0.02))
    wake = listener.wake_on(f"test_jobs_{secrets.token_hex(4)}")
    async with listening(listener):
        assert attempts == 3
        assert wake.is_set()


async def test_between_passes_the_loops_hold_no_pool_connection(app) -> None:
    """Before one LISTEN connection served them all, four loops each held a pool connection."""
    pool: asyncpg.Pool = app.state.pool
    in_use = []
    for _ in range(40):
        in_use.append(pool.get_size() - pool.get_idle_size())
        await asyncio.sleep(0.05)
    assert min(in_use) == 0, in_use
