"""The rate limiter as a pure function of a clock: bursts, steady rate, headers' numbers."""

from __future__ import annotations

import pytest

from market.ratelimit import RateLimiter, parse_rate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_budget_bursts_then_refuses_with_the_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(5, 60, clock=clock)
    budgets = [limiter.hit("k") for _ in range(6)]
    assert [b.allowed for b in budgets] == [True] * 5 + [False]
    assert [b.remaining for b in budgets[:5]] == [4, 3, 2, 1, 0]
    assert budgets[5].retry_after == 12 and budgets[4].reset == 60
    clock.now += 12  # one request's worth of time has passed
    assert limiter.hit("k").allowed and not limiter.hit("k").allowed


def test_keys_are_independent_and_refusals_cost_nothing() -> None:
    clock = Clock()
    limiter = RateLimiter(2, 1, clock=clock)
    assert limiter.hit("a").allowed and limiter.hit("a").allowed
    for _ in range(10):
        assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    clock.now += 0.5
    assert limiter.hit("a").allowed  # refused hits did not push the time further out


def test_peek_spends_nothing() -> None:
    limiter = RateLimiter(1, 60, clock=Clock())
    assert limiter.peek("x").allowed and limiter.peek("x").remaining == 1
    limiter.hit("x")
    assert not limiter.peek("x").allowed and limiter.peek("x").retry_after == 60


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(10, 1, clock=clock)
    for n in range(9_999):
        limiter.hit(f"client {n}")
    clock.now += 5
    limiter.hit("one more")  # the 10,000th call sweeps the clients whose budget is full again
    assert list(limiter._tat) == ["one more"]


@pytest.mark.parametrize(("text", "parsed"), [("1200/minute", (1200, 60)), ("5 / second", (5, 1))])
def test_rates_are_parsed(text: str, parsed: tuple[int, int]) -> None:
    assert parse_rate(text) == parsed


@pytest.mark.parametrize("text", ["", "0/minute", "10/fortnight", "ten/minute", "10"])
def test_bad_rates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="1200/minute"):
        parse_rate(text)
