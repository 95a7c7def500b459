"""Meilisearch: index settings, listing documents, safe filters, queries and the outbox indexer."""

from __future__ import annotations

from search.documents import COMMODITY_SETTINGS, LISTING_SETTINGS, listing_to_document
from search.filters import FilterBuilder, quote
from search.indexer import NOTIFY_CHANNEL, OutboxIndexer
from search.indexes import IndexTaskFailed, ensure_index, wait_for
from search.queries import FACETS, ListingQuery, build_listing_filter, search_listings

__all__ = [
    "COMMODITY_SETTINGS",
    "FACETS",
    "LISTING_SETTINGS",
    "NOTIFY_CHANNEL",
    "FilterBuilder",
    "IndexTaskFailed",
    "ListingQuery",
    "OutboxIndexer",
    "build_listing_filter",
    "ensure_index",
    "listing_to_document",
    "quote",
    "search_listings",
    "wait_for",
]
