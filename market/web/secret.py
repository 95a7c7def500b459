"""The secret that signs the web pages' CSRF tokens: ``MARKET_SECRET_KEY``, the same in every
process of a deployment (a token signed by one is accepted by the others)."""

from __future__ import annotations

from market.devstack import DevStackError, dev_secret
from market.settings import Settings

__all__ = ["web_secret"]


def web_secret(settings: Settings) -> str:
    """``MARKET_SECRET_KEY``; in dev, one generated once under the state directory."""
    if settings.secret_key:
        return settings.secret_key
    if settings.env != "dev":
        raise DevStackError(
            "MARKET_SECRET_KEY must be set when MARKET_ENV=prod (it signs the web forms' tokens)."
        )
    return dev_secret(settings, "secret_key")
