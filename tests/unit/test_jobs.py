"""The job skeleton's loop: it wakes on its event, polls on a timeout and backs off on errors."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from market.jobs import Backoff, repeat


def test_backoff_doubles_to_its_ceiling_and_starts_over_after_a_success() -> None:
    backoff = Backoff()
    assert [backoff.next() for _ in range(7)] == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    backoff.reset()
    assert backoff.next() == 0.2


class Passes:
    """A pass that counts itself and fails while ``failures`` lasts."""

    def __init__(self, failures: int = 0) -> None:
        self.count = 0
        self.failures = failures
        self.ran = asyncio.Event()

    async def __call__(self) -> None:
        self.count += 1
        self.ran.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is away")


class RecordedBackoff(Backoff):
    def __init__(self) -> None:
        super().__init__(first=0.001, most=0.004)
        self.waits: list[float] = []

    def next(self) -> float:
        wait = super().next()
        self.waits.append(wait)
        return wait


@contextlib.asynccontextmanager
async def running(loop: Callable[[], Awaitable[None]]) -> AsyncIterator[None]:
    task = asyncio.ensure_future(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the condition never held"
        await asyncio.sleep(0.005)


async def test_a_set_event_runs_a_pass_at_once_not_at_the_poll() -> None:
    one_pass, wake = Passes(), asyncio.Event()
    async with running(lambda: repeat(one_pass, name="test", wake=wake, poll_seconds=3600)):
        await until(lambda: one_pass.count == 1)  # the first pass runs at start
        await asyncio.sleep(0.05)
        assert one_pass.count == 1  # then it waits for its event
        wake.set()
        await until(lambda: one_pass.count == 2, within=1.0)


async def test_without_a_notify_the_loop_polls() -> None:
    one_pass = Passes()
    async with running(lambda: repeat(one_pass, name="test", wake=asyncio.Event(), poll_seconds=0.01)):
        await until(lambda: one_pass.count >= 3)


async def test_without_an_event_the_loop_runs_every_interval() -> None:
    one_pass = Passes()
    async with running(lambda: repeat(one_pass, name="test", wake=None, poll_seconds=0.01)):
        await until(lambda: one_pass.count >= 3)


async def test_a_failing_pass_is_retried_with_growing_waits_and_the_waits_start_over() -> None:
    one_pass, backoff = Passes(failures=4), RecordedBackoff()
    wake = asyncio.Event()
    loop = lambda: repeat(one_pass, name="test", wake=wake, poll_seconds=3600, backoff=backoff)  # noqa: E731
    async with running(loop):
        await until(lambda: one_pass.count == 5)  # four failures, then a success
        assert backoff.waits == [0.001, 0.002, 0.004, 0.004]
        one_pass.failures = 1
        wake.set()
        await until(lambda: one_pass.count == 7)
        assert backoff.waits[4:] == [0.001]  # the success reset it
