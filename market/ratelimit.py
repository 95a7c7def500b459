"""Rate limit budgets; ``market.gate`` applies them, with the IETF RateLimit headers.

Each resolved credential has its own budget; requests without one share their client address's
budget. Failed authentications also count against the address, so guessing keys from one address
stops quickly. Every answer carries ``RateLimit-Policy`` and ``RateLimit``
(draft-ietf-httpapi-ratelimit-headers); a refusal is 429 problem+json with ``Retry-After``.

The budget is a GCRA (generic cell rate algorithm, the token bucket kept as one "theoretical
arrival time" per client): a client may burst its whole budget, then gets one request every
``window / amount`` seconds. It costs about a microsecond and a dict entry per active client, so
it sits on every request, the hottest paths included (the ``limits`` package cost 20 µs a
request here, 3 % of a GET by id). Counters are per process: with N API processes a client gets
up to N times the budget.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from market.settings import Settings

__all__ = ["Budget", "Budgets", "RateLimiter", "parse_rate"]

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")


def parse_rate(text: str) -> tuple[int, int]:
    """``"1200/minute"`` -> (1200, 60): requests, and the window in seconds."""
    match = _RATE.match(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"not a rate: {text!r} (write it like 1200/minute)")
    return int(match.group(1)), _UNITS[match.group(2)]


@dataclass(frozen=True, slots=True)
class Budget:
    """What one request left: allowed or not, requests remaining, seconds until the budget is full
    again, and (when refused) seconds until the next request would be allowed."""

    allowed: bool
    remaining: int
    reset: int
    retry_after: int


@dataclass
class RateLimiter:
    """``amount`` requests per ``window`` seconds for each key, bursts up to ``amount``."""

    amount: int
    window: int
    clock: Callable[[], float] = time.monotonic
    _tat: dict[str, float] = field(default_factory=dict)
    _calls: int = 0

    @classmethod
    def parse(cls, rate: str) -> RateLimiter:
        amount, window = parse_rate(rate)
        return cls(amount, window)

    def hit(self, key: str, *, cost: int = 1) -> Budget:
        now = self.clock()
        interval = self.window / self.amount
        tat = max(self._tat.get(key, now), now)
        new_tat = tat + interval * cost
        allowed = new_tat - now <= self.window
        if allowed:
            self._tat[key] = new_tat
            tat = new_tat
        used = tat - now
        self._forget_idle(now)
        return Budget(
            allowed=allowed,
            remaining=max(0, math.floor((self.window - used) / interval + 1e-9)),
            reset=max(1, math.ceil(used)),
            retry_after=0 if allowed else max(1, math.ceil(new_tat - now - self.window)),
        )

    def refund(self, key: str, *, cost: int = 1) -> None:
        """Give back what ``hit`` took: a reservation that was not needed after all."""
        tat = self._tat.get(key)
        if tat is not None:
            self._tat[key] = tat - self.window / self.amount * cost

    def peek(self, key: str) -> Budget:
        """The budget without spending any of it."""
        now = self.clock()
        used = max(self._tat.get(key, now), now) - now
        interval = self.window / self.amount
        allowed = used + interval <= self.window
        return Budget(
            allowed=allowed,
            remaining=max(0, math.floor((self.window - used) / interval + 1e-9)),
            reset=max(1, math.ceil(used)),
            retry_after=0 if allowed else max(1, math.ceil(used + interval - self.window)),
        )

    def _forget_idle(self, now: float) -> None:
        # A client whose budget is full again needs no entry; sweep now and then, not every call.
        self._calls += 1
        if self._calls % 10_000 == 0:
            self._tat = {k: t for k, t in self._tat.items() if t > now}


@dataclass(frozen=True)
class Budgets:
    """The process's budgets, built once from the settings: the gate spends them on every request,
    and the web sign-in form spends ``auth_failures`` as the gate does for a bad key."""

    enabled: bool
    per_key: RateLimiter
    anonymous: RateLimiter
    auth_failures: RateLimiter

    @classmethod
    def from_settings(cls, settings: Settings) -> Budgets:
        return cls(
            enabled=settings.rate_limit_enabled,
            per_key=RateLimiter.parse(settings.rate_limit_key),
            anonymous=RateLimiter.parse(settings.rate_limit_anonymous),
            auth_failures=RateLimiter.parse(settings.rate_limit_auth_failures),
        )
