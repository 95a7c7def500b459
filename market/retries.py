"""What the durable queues that talk to the outside (webhook deliveries, email) share: the lease an
attempt takes on its row, and the retry schedule.

An attempt is claimed by an UPDATE that counts it, notes its start (``attempt_started_at``, which
fences its result: a result recorded after another attempt took the row over is dropped) and
leases the row (``next_attempt_at`` = now + lease), then commits, so no transaction stays open
across the network. Both queues give up 24 hours after the first attempt, waiting a little longer
after each failure.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["RETRY_STEPS", "RETRY_WINDOW", "lease_assignments", "retry_delay"]

RETRY_STEPS: tuple[float, ...] = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800)
"""The ceiling of the wait after the 1st, 2nd, ... failed attempt (the last repeats)."""
RETRY_WINDOW = 24 * 3600.0
"""Retries stop, and the row is ``failed``, once this long has passed since the first attempt."""


def retry_delay(
    attempts: int, elapsed: float, *, scale: float = 1.0, rand: Callable[[], float] = random.random
) -> float | None:
    """Seconds to wait after failed attempt number ``attempts`` (from 1), or None to give up.

    Exponential steps with full jitter (a uniform draw below the step), so receivers coming
    back from an outage are not hit by every retry at once. ``elapsed`` counts from the first
    attempt; after ``RETRY_WINDOW`` the row is given up.
    """
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    if elapsed >= RETRY_WINDOW:
        return None
    step = RETRY_STEPS[min(attempts, len(RETRY_STEPS)) - 1]
    return rand() * step * scale


def lease_assignments(alias: str) -> str:
    """The SET list of a claiming UPDATE of rows aliased ``alias``, leasing them for ``$2`` seconds."""
    return f"""attempts = {alias}.attempts + 1,
    attempt_started_at = clock_timestamp(),
    first_attempt_at = coalesce({alias}.first_attempt_at, clock_timestamp()),
    next_attempt_at = clock_timestamp() + make_interval(secs => $2)"""
