"""Listing search from PostgreSQL, for when Meilisearch cannot answer.

The same typed query and filters as the index (active, unexpired, side, HS prefix, countries,
Incoterm, transport mode, places), with a simpler ranking: every word of ``q`` must appear in the
title, description, HS description or place names (case-insensitive substring, no typo tolerance, no
synonyms), newest first unless a price sort is asked for. Facet counts come from one GROUPING
SETS query over the same rows. Values always travel as bind parameters.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
import structlog

from market.errors import ServiceUnavailable
from schemas.listings import Facets, SearchHit, SearchResults
from search.client import SearchReader, SearchUnavailable
from search.queries import FACETS, ListingQuery, search_listings

__all__ = ["DEGRADED_HEADER", "MAX_WORDS", "search_or_fallback", "search_postgres", "where_clause"]

log = structlog.get_logger(name=__name__)

DEGRADED_HEADER = "X-Search-Degraded"
"""Set on search answers that came from PostgreSQL because Meilisearch was away."""

MAX_WORDS = 10
"""Words of ``q`` the fallback matches on; more would only slow a scan down."""


async def search_or_fallback(
    reader: SearchReader, index_uid: str, pool: asyncpg.Pool, query: ListingQuery
) -> tuple[SearchResults, bool]:
    """The search from Meilisearch, else from PostgreSQL; the flag says it came from PostgreSQL.
    A connection is taken only if Meilisearch cannot answer; with both away, 503."""
    try:
        return await search_listings(reader, index_uid, query), False
    except SearchUnavailable as exc:
        log.warning("search answered from PostgreSQL", reason=str(exc))
    try:
        async with pool.acquire() as conn:
            return await search_postgres(conn, query), True
    except (asyncpg.PostgresError, OSError) as exc:
        raise ServiceUnavailable("search is unavailable right now; retry shortly") from exc


_SORTS = {
    None: "l.created_at DESC",
    "created_at": "l.created_at DESC",
    "-created_at": "l.created_at DESC",
    "+created_at": "l.created_at ASC",
    "price": "(l.price->>'amount')::numeric ASC NULLS LAST, l.created_at DESC",
    "+price": "(l.price->>'amount')::numeric ASC NULLS LAST, l.created_at DESC",
    "-price": "(l.price->>'amount')::numeric DESC NULLS LAST, l.created_at DESC",
}
# Where the goods are (offers) or are wanted (demands), else the other end: as in the index.
_PLACE = """CASE WHEN l.side = 'offer'
    THEN coalesce(l.origin->>'place_id', l.destination->>'place_id')
    ELSE coalesce(l.destination->>'place_id', l.origin->>'place_id') END"""
_TEXT = """(l.title || ' ' || l.description || ' ' || l.hs_description
    || ' ' || coalesce(l.origin->>'city', '') || ' ' || coalesce(l.origin->>'known_as', '')
    || ' ' || coalesce(l.destination->>'city', '') || ' ' || coalesce(l.destination->>'known_as', ''))"""
_FACET_COLUMNS = {
    "side": "l.side",
    "hs_chapter": "left(l.hs_code, 2)",
    "origin_country": "l.origin->>'country'",
    "destination_country": "l.destination->>'country'",
    "incoterm": "l.incoterm",
}
_FILTERS = (
    ("side", "l.side = ?"),
    ("hs_code", "left(l.hs_code, length(?::text)) = ?::text"),
    ("origin_country", "l.origin->>'country' = ?"),
    ("destination_country", "l.destination->>'country' = ?"),
    ("origin_place", "l.origin->>'place_id' = ?"),
    ("destination_place", "l.destination->>'place_id' = ?"),
    ("incoterm", "l.incoterm = ?"),
    ("transport_mode", "? = any(l.transport_modes)"),
    ("organization_id", "l.organization_id = ?::uuid"),
    ("exclude_organization_id", "l.organization_id <> ?::uuid"),
)
HITS_SQL = """
SELECT l.id, l.side, l.title, l.description, l.hs_code, l.hs_description, l.quantity, l.price,
       l.incoterm, l.origin, l.destination, l.transport_modes, l.expires_at, l.created_at,
       jsonb_build_object('id', o.id, 'name', o.name, 'kind', o.kind, 'country', o.country,
                          'verified', o.verified_by IS NOT NULL) AS organization
FROM listings l JOIN organizations o ON o.id = l.organization_id
WHERE {where}
ORDER BY {order}
LIMIT {limit} OFFSET {offset}
"""
FACETS_SQL = """
SELECT {grouping} AS facet, {columns}, count(*) AS n
FROM listings l
WHERE {where}
GROUP BY GROUPING SETS ((), {sets})
"""


MODES_SQL = """
SELECT m AS mode, count(*) AS n FROM listings l CROSS JOIN LATERAL unnest(l.transport_modes) AS m
WHERE {where} GROUP BY m
"""


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def where_clause(query: ListingQuery) -> tuple[str, list[Any]]:
    """The WHERE clause for a query, with its bind parameters (values never enter the SQL)."""
    clauses = ["l.status = 'active'", "l.expires_at > now()"]
    args: list[Any] = []

    def add(sql: str, value: Any) -> None:
        args.append(value)
        clauses.append(sql.replace("?", f"${len(args)}"))

    for attribute, sql in _FILTERS:
        value = getattr(query, attribute)
        if value:
            add(sql, value)
    if query.place_ids is not None:
        add(f"{_PLACE} = any(?::text[])", list(query.place_ids))
    for word in query.q.split()[:MAX_WORDS]:
        add(f"{_TEXT} ILIKE ?", f"%{_escape_like(word)}%")
    return " AND ".join(clauses), args


async def search_postgres(conn: asyncpg.Connection, query: ListingQuery) -> SearchResults:
    """The search answer Meilisearch would give, as well as PostgreSQL can give it."""
    where, args = where_clause(query)
    hits_sql = HITS_SQL.format(
        where=where, order=_SORTS[query.sort], limit=int(query.limit), offset=int(query.offset)
    )
    facets_sql = FACETS_SQL.format(
        where=where,
        grouping=f"GROUPING({', '.join(_FACET_COLUMNS.values())})",
        columns=", ".join(f"{sql} AS {name}" for name, sql in _FACET_COLUMNS.items()),
        sets=", ".join(f"({sql})" for sql in _FACET_COLUMNS.values()),
    )
    rows = await conn.fetch(hits_sql, *args)
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    # A listing has several modes: counted once under each, as Meilisearch counts an array.
    for row in await conn.fetch(MODES_SQL.format(where=where), *args):
        counts["transport_modes"][row["mode"]] = row["n"]
    total = 0
    # GROUPING() sets a bit for each column rolled up, the first column being the highest bit.
    names = list(_FACET_COLUMNS)
    everything = 2 ** len(names) - 1
    by_mask = {everything - (1 << (len(names) - 1 - i)): name for i, name in enumerate(names)}
    for row in await conn.fetch(facets_sql, *args):
        if row["facet"] == everything:  # the () set: the total
            total = row["n"]
        elif (name := by_mask.get(row["facet"])) is not None and row[name] is not None:
            counts[name][row[name]] = row["n"]
    return SearchResults(
        hits=[msgspec.convert(row, SearchHit) for row in rows],
        facets=Facets(**counts),
        estimated_total=total,
        limit=query.limit,
        offset=query.offset,
    )
