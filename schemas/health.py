"""The operations probes' answers: liveness (``/health``) and readiness (``/ready``)."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["Health", "Readiness"]


class Health(msgspec.Struct, kw_only=True):
    status: Literal["ok"]


class Readiness(msgspec.Struct, kw_only=True):
    status: Literal["ready", "degraded", "unavailable"]
    postgres: Literal["ok", "unavailable"]
    meilisearch: Literal["ok", "unavailable"]
    search: Literal["meilisearch", "postgresql", "unavailable"]
    """Who answers listing searches: PostgreSQL stands in (simpler ranking) while Meilisearch is away."""
