"""The background loops, listed once: the API process runs them (``MARKET_RUN_INDEXER=true``), or
``market worker`` does, and the worker's help text is made from the same list."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import asyncpg
from meilisearch_python_sdk import AsyncClient

from market.alerts import AlertMatcher
from market.events import EVENTS_CHANNEL
from market.glossary import search_terms
from market.introductions.expiry import IntroductionExpiry
from market.jobs import BatchJob, Listener, drain, repeat
from market.listings.lifecycle import ListingLifecycle
from market.mail import MailSender
from market.matching.recorder import MatchRecorder
from market.settings import Settings
from market.webhooks.dispatcher import WebhookDispatcher
from search.client import SearchReader
from search.indexer import NOTIFY_CHANNEL, OutboxIndexer

__all__ = [
    "BACKGROUND_LOOPS",
    "LISTENER_NAME",
    "BackgroundLoop",
    "LoopResources",
    "drain_loop",
    "loop_listener",
    "loops_help",
    "start_loops",
]

LISTENER_NAME = "market loops listener"


@dataclass(frozen=True)
class LoopResources:
    """What the loops work with."""

    pool: asyncpg.Pool
    meili: AsyncClient
    reader: SearchReader
    settings: Settings


@dataclass(frozen=True)
class BackgroundLoop:
    name: str
    """As logs and the worker's help name it."""
    does: str
    """One line for the help text."""
    run: Callable[[LoopResources, Listener], Coroutine[Any, Any, None]]
    """Builds the loop's coroutine, which runs until cancelled; it subscribes to the listener's
    channels as it is built."""
    enabled: Callable[[Settings], bool] = lambda _settings: True
    """Whether the settings have this loop run at all."""


def drain_loop(job: BatchJob, listener: Listener, *, name: str) -> Coroutine[Any, Any, None]:
    """Drain ``job`` on every NOTIFY of ``NOTIFY_CHANNEL``, or every 2 s: sent when outbox rows are
    queued (the indexer's work) and when a batch is indexed (what the other two wait for)."""
    wake = listener.wake_on(NOTIFY_CHANNEL)
    return repeat(functools.partial(drain, job), name=name, wake=wake, poll_seconds=2.0)


def _indexer(r: LoopResources, listener: Listener) -> Coroutine[Any, Any, None]:
    index = r.settings.listings_index
    indexer = OutboxIndexer(r.pool, r.meili, index, terms_for=search_terms, failpoint=r.settings.failpoint)
    return drain_loop(indexer, listener, name="indexer")


def _recorder(r: LoopResources, listener: Listener) -> Coroutine[Any, Any, None]:
    recorder = MatchRecorder(r.pool, r.reader, r.settings.listings_index)
    return drain_loop(recorder, listener, name="match recorder")


def _alerts(r: LoopResources, listener: Listener) -> Coroutine[Any, Any, None]:
    alerts = AlertMatcher(r.pool, r.meili, r.settings.listings_index)
    return drain_loop(alerts, listener, name="alert matcher")


def _expiry(r: LoopResources, _listener: Listener) -> Coroutine[Any, Any, None]:
    return ListingLifecycle(r.pool).run_forever(interval_seconds=r.settings.expiry_interval_seconds)


def _introductions(r: LoopResources, _listener: Listener) -> Coroutine[Any, Any, None]:
    job = IntroductionExpiry(r.pool)
    name = "introduction expiry"
    return repeat(
        functools.partial(drain, job), name=name, wake=None, poll_seconds=r.settings.expiry_interval_seconds
    )


def _webhooks(r: LoopResources, listener: Listener) -> Coroutine[Any, Any, None]:
    dispatcher = WebhookDispatcher.from_settings(r.pool, r.settings)
    return dispatcher.run_forever(wake=listener.wake_on(EVENTS_CHANNEL))  # a new event, or one delivered


def _mail(r: LoopResources, listener: Listener) -> Coroutine[Any, Any, None]:
    sender = MailSender.from_settings(r.pool, r.settings)  # a bad MARKET_SMTP_URL stops the start here
    return sender.run_forever(wake=listener.wake_on(EVENTS_CHANNEL))  # the outbox fills with events


BACKGROUND_LOOPS = (
    BackgroundLoop("outbox indexer", "copies listing changes from PostgreSQL into Meilisearch", _indexer),
    BackgroundLoop("match recorder", "records new matches into both organizations' inboxes", _recorder),
    BackgroundLoop("alert matcher", "checks new listings against saved searches", _alerts),
    BackgroundLoop("expiry job", "expires listings past their end date, warns a week ahead", _expiry),
    BackgroundLoop(
        "introduction expiry", "expires introduction requests unanswered for 14 days", _introductions
    ),
    BackgroundLoop("webhook dispatcher", "delivers signed webhooks, retrying with backoff", _webhooks),
    BackgroundLoop(
        "mail sender",
        "emails organizations about introductions, retrying with backoff",
        _mail,
        enabled=lambda settings: settings.send_mail,
    ),
)


def start_loops(resources: LoopResources) -> list[Coroutine[Any, Any, None]]:
    """Every loop's coroutine and their one LISTEN connection's, to be gathered (and cancelled
    together)."""
    listener = loop_listener(resources.settings)
    loops: list[Coroutine[Any, Any, None]] = []
    try:
        for loop in BACKGROUND_LOOPS:
            if loop.enabled(resources.settings):
                loops.append(loop.run(resources, listener))
    except BaseException:  # a loop refused its settings: the ones built before it never run
        for built in loops:
            built.close()
        raise
    return [*loops, listener.run_forever()]


def loop_listener(settings: Settings) -> Listener:
    """The loops' one LISTEN connection, opened beside the pool (it is held for the process's life,
    so it takes no pool slot); named in ``pg_stat_activity``."""
    dsn = settings.database_url
    assert dsn is not None, "the loops run once the database is known"
    server_settings = {"application_name": LISTENER_NAME}
    return Listener(functools.partial(asyncpg.connect, dsn, server_settings=server_settings))


def loops_help() -> str:
    """The loops as help-text lines (click keeps the lines of a paragraph opened by ``\\b``)."""
    lines = [f"- {loop.name}: {loop.does}" for loop in BACKGROUND_LOOPS]
    return f"It runs {len(lines)} loops:\n\n\b\n" + "\n".join(lines)
