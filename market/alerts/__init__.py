"""Saved searches (alerts): CRUD, and the matcher that tells organizations about new listings."""

from __future__ import annotations

from market.alerts.matcher import AlertMatcher

__all__ = ["AlertMatcher"]
