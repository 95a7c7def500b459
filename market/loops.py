"""The background loops, listed once: the API process runs them (``MARKET_RUN_INDEXER=true``), or
``market worker`` does, and the worker's help text is made from the same list."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
from meilisearch_python_sdk import AsyncClient

from market.alerts import AlertMatcher
from market.glossary import search_terms
from market.listings.lifecycle import ListingLifecycle
from market.matching.recorder import MatchRecorder
from market.settings import Settings
from market.webhooks.dispatcher import WebhookDispatcher
from search import OutboxIndexer
from search.client import SearchReader
from search.indexer import drain_on_notify

__all__ = ["BACKGROUND_LOOPS", "BackgroundLoop", "LoopResources", "loops_help", "start_loops"]


@dataclass(frozen=True)
class LoopResources:
    """What the loops work with."""

    pool: asyncpg.Pool
    meili: AsyncClient
    reader: SearchReader
    settings: Settings
    failpoint: str | None = None
    """``market worker`` only (fault tests): where the indexer exits on purpose."""


@dataclass(frozen=True)
class BackgroundLoop:
    name: str
    """As logs and the worker's help name it."""
    does: str
    """One line for the help text."""
    run: Callable[[LoopResources], Coroutine[Any, Any, None]]
    """Builds the loop's coroutine, which runs until cancelled."""


def _indexer(r: LoopResources) -> Coroutine[Any, Any, None]:
    index = r.settings.listings_index
    return OutboxIndexer(r.pool, r.meili, index, terms_for=search_terms, failpoint=r.failpoint).run_forever()


def _recorder(r: LoopResources) -> Coroutine[Any, Any, None]:
    recorder = MatchRecorder(r.pool, r.reader, r.settings.listings_index)
    return drain_on_notify(r.pool, recorder.drain, name="match recorder")


def _alerts(r: LoopResources) -> Coroutine[Any, Any, None]:
    alerts = AlertMatcher(r.pool, r.meili, r.settings.listings_index)
    return drain_on_notify(r.pool, alerts.drain, name="alert matcher")


def _expiry(r: LoopResources) -> Coroutine[Any, Any, None]:
    return ListingLifecycle(r.pool).run_forever(interval_seconds=r.settings.expiry_interval_seconds)


def _webhooks(r: LoopResources) -> Coroutine[Any, Any, None]:
    return WebhookDispatcher.from_settings(r.pool, r.settings).run_forever()


BACKGROUND_LOOPS = (
    BackgroundLoop("outbox indexer", "copies listing changes from PostgreSQL into Meilisearch", _indexer),
    BackgroundLoop("match recorder", "records new matches into both organizations' inboxes", _recorder),
    BackgroundLoop("alert matcher", "checks new listings against saved searches", _alerts),
    BackgroundLoop("expiry job", "expires listings past their end date, warns a week ahead", _expiry),
    BackgroundLoop("webhook dispatcher", "delivers signed webhooks, retrying with backoff", _webhooks),
)


def start_loops(resources: LoopResources) -> list[Coroutine[Any, Any, None]]:
    """Every loop's coroutine, to be gathered (and cancelled together)."""
    return [loop.run(resources) for loop in BACKGROUND_LOOPS]


def loops_help() -> str:
    """The loops as help-text lines (click keeps the lines of a paragraph opened by ``\\b``)."""
    lines = [f"- {loop.name}: {loop.does}" for loop in BACKGROUND_LOOPS]
    return f"It runs {len(lines)} loops:\n\n\b\n" + "\n".join(lines)
