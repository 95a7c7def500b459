"""Webhooks: signed, durable deliveries of organizations' events (see docs/webhooks.md)."""

from __future__ import annotations

__all__: list[str] = []
