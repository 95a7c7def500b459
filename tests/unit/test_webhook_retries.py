"""The retry schedule (a pure function) and the delivery body."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from market.retries import RETRY_STEPS, RETRY_WINDOW, retry_delay
from market.webhooks.dispatcher import payload_body


def test_the_steps_grow_from_5_seconds_to_8_hours() -> None:
    ceilings = [retry_delay(n, 0, rand=lambda: 1.0) for n in range(1, 12)]
    assert ceilings == [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800, 28800]
    assert list(RETRY_STEPS) == sorted(RETRY_STEPS)


def test_full_jitter_draws_below_the_step() -> None:
    assert retry_delay(3, 100, rand=lambda: 0.0) == 0
    assert retry_delay(3, 100, rand=lambda: 0.5) == 60
    for _ in range(200):
        delay = retry_delay(2, 10)
        assert delay is not None and 0 <= delay <= 30


def test_retries_stop_only_after_24_hours() -> None:
    assert retry_delay(40, RETRY_WINDOW - 1, rand=lambda: 1.0) == 28800
    assert retry_delay(40, RETRY_WINDOW) is None
    assert retry_delay(2, RETRY_WINDOW + 5) is None


def test_the_schedule_keeps_trying_for_a_day_even_with_the_longest_waits() -> None:
    elapsed, attempts = 0.0, 1
    while (delay := retry_delay(attempts, elapsed, rand=lambda: 1.0)) is not None:
        elapsed += delay
        attempts += 1
    assert elapsed >= RETRY_WINDOW
    assert 10 <= attempts <= 16  # about a dozen attempts spread over a day


def test_scale_shrinks_every_wait() -> None:
    assert retry_delay(1, 0, scale=0.01, rand=lambda: 1.0) == pytest.approx(0.05)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        retry_delay(0, 0)


def test_the_body_is_the_standard_webhooks_shape_with_the_organization() -> None:
    organization = uuid4()
    created = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    claim = {
        "type": "match.created",
        "created_at": created,
        "organization_id": organization,
        "data": {"listing_id": "abc", "score": 0.8},
    }
    body = msgspec.json.decode(payload_body(claim))
    assert body == {
        "type": "match.created",
        "timestamp": "2026-05-01T08:30:00Z",
        "data": {"listing_id": "abc", "score": 0.8, "organization_id": str(organization)},
    }
    assert payload_body(claim) == payload_body(claim)  # byte-identical on every attempt
