"""Counterparty suggestions for a listing: candidates from Meilisearch, facts from PostgreSQL,
scores and routes in Python."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from market.errors import InvalidInput, NotFound
from market.introductions.responsiveness import responsiveness_of
from market.listings.service import VIEW_SQL, listing_view_sql
from market.matching import scoring
from market.matching.explain import explain
from market.matching.route_cache import INLINE_PAIRS, Router, Unplanned
from market.routes.network import RouteNetwork
from market.routes.service import current_network
from schemas.code_tables import SEA_ONLY_INCOTERMS
from schemas.listings import Listing
from schemas.matches import Match, Matches, MatchRoute, ScoreParts
from schemas.organizations import Responsiveness
from schemas.routes import Route
from search.client import SearchReader
from search.queries import ListingQuery, search_ids

__all__ = ["COUNTRY_HUBS", "MatchFilters", "find_matches", "route_end"]

CANDIDATES_SQL = listing_view_sql("l.id = any($1::uuid[]) AND l.status = 'active'")
CANDIDATES_PER_QUERY = 50
TEXT_CANDIDATES_BELOW = 20
#: Where goods are assumed to start or end when a listing names only its country.
COUNTRY_HUBS = {"KZ": "KZALA", "UZ": "UZTAS", "TJ": "TJDYU", "KG": "KGFRU", "TM": "TMAGT"}


@dataclass(frozen=True)
class MatchFilters:
    via: str | None = None
    mode: str | None = None
    max_days: float | None = None
    min_score: float = 0.0
    limit: int = 20


def _modes(listing: asyncpg.Record) -> set[str]:
    named = set(listing["transport_modes"])
    if not named or named & {"multimodal", "air"}:
        return {"road", "rail"}
    return named & {"road", "rail"}


def route_end(end: dict[str, Any] | None) -> tuple[str, str] | None:
    """The place a route starts or ends at, and how the listing's location was resolved (a
    location known only by its country starts at the country's main hub)."""
    if not end:
        return None
    if end.get("place_id"):
        return end["place_id"], end.get("resolved_by") or "name"
    hub = COUNTRY_HUBS.get(end["country"])
    return (hub, "country") if hub else None


def _summary(route: Route, start: tuple[str, str], end: tuple[str, str]) -> MatchRoute:
    return MatchRoute(
        origin=start[0],
        origin_resolved_by=start[1],
        destination=end[0],
        destination_resolved_by=end[1],
        countries=list(route.countries),
        crossings=[f"{x.exit_name}/{x.entry_name}" for x in route.crossings],
        crossing_ids=[x.id for x in route.crossings],
        modes=sorted({leg.mode for leg in route.legs}),
        km=route.km,
        days=route.days,
        restricted=route.restricted,
    )


def _pick_route(routes: list[Route], filters: MatchFilters) -> Route | None:
    for route in routes:
        if filters.via and filters.via not in {x.id for x in route.crossings}:
            continue
        if filters.max_days is not None and route.days > filters.max_days:
            continue
        return route
    return None


@dataclass(frozen=True)
class _Scored:
    row: asyncpg.Record
    score: float
    parts: ScoreParts
    route: MatchRoute | None
    flags: list[str]
    explanation: str

    def to_match(self) -> Match:
        return Match(
            listing=msgspec.convert(self.row, Listing),
            score=self.score,
            parts=self.parts,
            route=self.route,
            flags=self.flags,
            explanation=self.explanation,
        )


def _score_pair(
    subject: asyncpg.Record,
    other: asyncpg.Record,
    answers: Responsiveness,
    router: Router,
    filters: MatchFilters,
    now: datetime,
) -> _Scored | None:
    """The pair's score, route and explanation, or None if it can never match; ``answers`` is how
    the other listing's organization answers introduction requests."""
    offer, demand = (subject, other) if subject["side"] == "offer" else (other, subject)
    # Incompatible pairs never match: markets the offer does not serve, origins the demand refuses.
    origin, destination = offer["origin"], demand["destination"]
    if origin and demand["target_countries"] and origin["country"] not in demand["target_countries"]:
        return None
    if destination and offer["target_countries"] and destination["country"] not in offer["target_countries"]:
        return None
    flags: list[str] = []
    modes = _modes(offer) & _modes(demand)
    if filters.mode:
        modes &= {filters.mode}
    start, end = route_end(origin), route_end(destination)
    # The fastest route unless a filter may rule it out: then the alternatives too.
    k = 3 if filters.via or filters.max_days is not None else 1
    summary: MatchRoute | None = None
    if start and end and start[0] == end[0]:
        route_value = 1.0
    elif start and end and modes and (planned := router.routes(start[0], end[0], modes, k)) is not None:
        route = _pick_route(planned, filters)
        if route is None:  # no route over open crossings (or none that fits via / max_days)
            return None
        summary = _summary(route, start, end)
        route_value = scoring.route_part(route.days, len(route.crossings))
        if route.restricted:
            flags.append("restricted_crossing")
    else:  # a place unknown, or too far from the network to route: score the rest, say so
        if filters.via or filters.max_days is not None or not modes:
            return None
        route_value = scoring.UNKNOWN
        flags.append("route_unknown")
    for side in (offer, demand):
        if side["incoterm"] in SEA_ONLY_INCOTERMS:
            flags.append("sea_incoterm_on_landlocked_lane")
            break
    min_order = offer["min_order"]["amount"] if offer["min_order"] else None
    parts = ScoreParts(
        commodity=scoring.commodity_part(offer["hs_code"], demand["hs_code"]),
        route=route_value,
        quantity=scoring.quantity_part(
            offer["quantity"]["amount"],
            offer["quantity"]["unit"],
            min_order,
            demand["quantity"]["amount"],
            demand["quantity"]["unit"],
        ),
        price=scoring.price_part(offer["price"], demand["price"]),
        timing=scoring.timing_part(
            offer["available_from"],
            offer["available_until"],
            demand["available_from"],
            demand["available_until"],
        ),
        trust=scoring.trust_part(bool(other["organization"]["verified"])),
        freshness=scoring.freshness_part(other["created_at"], now),
        responsiveness=scoring.responsiveness_part(
            answers.requests_counted, answers.answered_share, answers.median_hours_to_answer
        ),
    )
    score = scoring.total(msgspec.structs.asdict(parts))
    if score < filters.min_score:
        return None
    return _Scored(other, score, parts, summary, flags, explain(offer, demand, summary, answers))


def _counterpart_query(subject: asyncpg.Record, **fields: Any) -> ListingQuery:
    """The search for the other side's listings that ``_score_pair`` could accept by country: an
    offer from a country the demand takes goods from, for a demand in a market the offer serves
    (either side naming no countries takes any). Without this, listings that can never match
    would fill the candidate slots and push out those that can."""
    if subject["side"] == "demand":
        origins, destination = subject["target_countries"], subject["destination"]
        return ListingQuery(
            side="offer",
            origin_country_in=tuple(origins) if origins else None,
            serves_country=destination["country"] if destination else None,
            **fields,
        )
    origin, markets = subject["origin"], subject["target_countries"]
    return ListingQuery(
        side="demand",
        destination_country_in=tuple(markets) if markets else None,
        serves_country=origin["country"] if origin else None,
        **fields,
    )


async def _candidate_ids(reader: SearchReader, index: str, subject: asyncpg.Record) -> list[UUID]:
    """Closest goods first: the same HS heading; then the chapter; then, only if that leaves few,
    the best text matches of the title (which cost Meilisearch the most). Only counterparts whose
    countries fit are asked for, the newest first (freshness counts in the score; Meilisearch's
    own order for a search without words is its internal one). Each level is asked first for one
    listing per organization, so a seller with hundreds of look-alike lots cannot take every
    place; only when that leaves places free (few sellers) for the newest whoever posted them."""
    own = str(subject["organization_id"])
    found: dict[str, None] = {}
    levels = (subject["hs_code"][:4], subject["hs_code"][:2])
    for prefix, one_each in itertools.product(levels, (True, False)):
        query = _counterpart_query(
            subject,
            hs_code=prefix,
            exclude_organization_id=own,
            sort="created_at",
            limit=CANDIDATES_PER_QUERY,
            one_per_organization=one_each,
        )
        found.update(dict.fromkeys(await search_ids(reader, index, query)))
        if len(found) >= CANDIDATES_PER_QUERY:
            break
    if len(found) < TEXT_CANDIDATES_BELOW:
        text = _counterpart_query(subject, q=subject["title"], exclude_organization_id=own, limit=20)
        found.update(dict.fromkeys(await search_ids(reader, index, text)))
    return [UUID(i) for i in list(found)[: 2 * CANDIDATES_PER_QUERY + 20]]


async def find_matches(
    db: asyncpg.Connection | asyncpg.Pool,
    reader: SearchReader,
    index: str,
    listing_id: UUID,
    viewer: UUID | None,
    filters: MatchFilters,
) -> Matches:
    """Ranked counterparts for a listing: the owner's any listing, anyone's active public one.
    Given the pool, each query takes its own connection: none is held while Meilisearch answers."""
    subject = await db.fetchrow(VIEW_SQL, listing_id)
    owner = subject is not None and subject["organization_id"] == viewer
    if subject is None or not (owner or subject["status"] == "active"):
        raise NotFound(f"no listing with id {listing_id}")
    if subject["hs_code"] is None:
        raise InvalidInput.field("hs_code", "set the listing's HS code first: matching pivots on it")
    network, _ = await current_network(db)
    if filters.via and filters.via not in network.crossings:
        raise InvalidInput.field(
            "via", f"no border crossing with id '{filters.via}' (GET /v1/border-crossings)"
        )
    ids = await _candidate_ids(reader, index, subject)
    rows = await db.fetch(CANDIDATES_SQL, ids) if ids else []
    answers = await responsiveness_of(db, {row["organization_id"] for row in rows})
    # Scoring is pure Python. With the routes it needs planned already, or only a few new ones
    # to plan, it takes a few milliseconds and runs here; with more, beside the event loop. A
    # thread hop on every request had made the match p95 about 20 % slower (docs/benchmarks.md).
    try:
        best = _rank(subject, rows, answers, network, filters, new_pairs=INLINE_PAIRS)
    except Unplanned:
        best = await asyncio.to_thread(_rank, subject, rows, answers, network, filters, new_pairs=None)
    return Matches(listing_id=listing_id, rates_as_of=scoring.rates().as_of, matches=best)


def _rank(
    subject: asyncpg.Record,
    rows: list[asyncpg.Record],
    answers: dict[UUID, Responsiveness],
    network: RouteNetwork,
    filters: MatchFilters,
    *,
    new_pairs: int | None,
) -> list[Match]:
    router, now = Router(network, new_pairs=new_pairs), datetime.now(UTC)
    scored = (
        _score_pair(subject, row, answers[row["organization_id"]], router, filters, now) for row in rows
    )
    found = [m for m in scored if m is not None]
    found.sort(key=lambda m: m.score, reverse=True)
    return [m.to_match() for m in found[: filters.limit]]  # only what is returned is converted
