"""The skeleton every background loop fills in: claim, run, back off, wake on NOTIFY or a timeout.

Three pieces, each used by every loop that needs it:

- ``drain(job)``: a ``BatchJob`` (the outbox indexer, the match recorder, the alert matcher)
  claims a batch with its ``claim_sql`` (``FOR UPDATE SKIP LOCKED``) and runs it in the claiming
  transaction, batch after batch, until nothing is left that another worker does not hold. A job
  sets its own poison rows aside inside ``run`` (each loop has its rule, see its module).
- ``repeat(one_pass, ...)``: the loop around a pass. A failed pass (the database or the index
  away) is retried after ``Backoff``; a good one waits for its wake-up event or ``poll_seconds``.
- ``Listener``: one connection LISTENing on every channel, opened beside the pool. Each loop
  gets an ``asyncio.Event`` per channel it wakes on; a lost connection is reopened with the same
  backoff, and every loop is woken then, since a NOTIFY sent while nobody listened is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import asyncpg
import structlog

__all__ = ["Backoff", "BatchJob", "Listener", "drain", "repeat", "run_batch"]

log = structlog.get_logger(name=__name__)


class Backoff:
    """Waits between retries: doubling from ``first`` up to ``most`` seconds, reset by a success."""

    def __init__(self, first: float = 0.2, most: float = 5.0) -> None:
        self.first = first
        self.most = most
        self.delay = first

    def next(self) -> float:
        """The wait before this retry; the one after it is twice as long (at most ``most``)."""
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return delay

    def reset(self) -> None:
        self.delay = self.first


class BatchJob(Protocol):
    """A queue drained in batches, each claimed and run in one transaction."""

    pool: asyncpg.Pool
    batch_size: int
    claim_sql: str
    """Claims up to ``$1`` rows with ``FOR UPDATE SKIP LOCKED``, so workers never share one."""

    async def run(self, conn: asyncpg.Connection, claimed: Sequence[asyncpg.Record]) -> int:
        """Do the claimed work in the claiming transaction; return how many rows it cleared."""
        ...


async def run_batch(job: BatchJob) -> int:
    """Claim one batch and run it; 0 when nothing was claimable."""
    async with job.pool.acquire() as conn, conn.transaction():
        claimed = await conn.fetch(job.claim_sql, job.batch_size)
        if not claimed:
            return 0
        return await job.run(conn, claimed)


async def drain(job: BatchJob) -> int:
    """Run batches until the queue is empty (or only holds rows other workers hold)."""
    total = 0
    while count := await run_batch(job):
        total += count
    return total


async def repeat(
    one_pass: Callable[[], Awaitable[object]],
    *,
    name: str,
    wake: asyncio.Event | None,
    poll_seconds: float,
    backoff: Backoff | None = None,
) -> None:
    """Run ``one_pass`` whenever ``wake`` is set (or every ``poll_seconds``), until cancelled.

    A failed pass is logged and retried after ``backoff`` (0.2 s doubling to 5 s unless given).
    """
    backoff = backoff or Backoff()
    while True:
        if wake is not None:
            wake.clear()  # before the pass: a NOTIFY during it means another pass at once
        try:
            await one_pass()
        except Exception as exc:  # the SDK wraps transport errors in types of its own
            delay = backoff.next()
            log.warning(f"{name} pass failed; retrying", error=repr(exc), retry_in=delay)
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        if wake is None:
            await asyncio.sleep(poll_seconds)
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=poll_seconds)


class Listener:
    """One LISTEN connection for every channel; sets the event of each loop a NOTIFY wakes.

    Subscribe with ``wake_on`` before ``run_forever`` starts (the loops are built first).
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        *,
        check_seconds: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._connect = connect
        self.check_seconds = check_seconds
        """How often an idle connection is checked with a query: a peer that vanished without
        closing the socket is only noticed by talking to it."""
        self.backoff = backoff or Backoff()
        self._events: dict[str, list[asyncio.Event]] = {}
        self._running = False
        self.connected = asyncio.Event()
        """Set while the connection listens on every channel (tests wait for it)."""

    def wake_on(self, channel: str) -> asyncio.Event:
        """An event set on every NOTIFY of ``channel`` (and after each reconnection)."""
        if self._running:
            raise RuntimeError("subscribe before the listener runs")
        event = asyncio.Event()
        self._events.setdefault(channel, []).append(event)
        return event

    def _on_notify(self, _conn: object, _pid: int, channel: str, _payload: str) -> None:
        for event in self._events.get(channel, ()):
            event.set()

    def _wake_all(self) -> None:
        for events in self._events.values():
            for event in events:
                event.set()

    async def run_forever(self) -> None:
        """Listen until cancelled, reconnecting with backoff whenever the connection is lost."""
        self._running = True
        while True:
            try:
                await self._listen()
                error = "connection closed"
            except Exception as exc:  # the server away, or the check timed out
                error = repr(exc)
            delay = self.backoff.next()
            log.warning("listener connection lost; reconnecting", error=error, retry_in=delay)
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        """One connection's life: subscribe to every channel, then wait until it is lost."""
        conn = await self._connect()
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _conn: lost.set())
        try:
            for channel in self._events:
                await conn.add_listener(channel, self._on_notify)
            self.backoff.reset()
            self.connected.set()
            self._wake_all()  # whatever was notified while nobody listened
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), timeout=self.check_seconds)
                if not lost.is_set():
                    await conn.execute("SELECT 1", timeout=5)
        finally:
            self.connected.clear()
            await asyncio.shield(_close(conn))


async def _close(conn: asyncpg.Connection) -> None:
    try:
        await conn.close(timeout=5)
    except Exception:  # already gone with the server
        conn.terminate()
