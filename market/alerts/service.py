"""Saved searches on PostgreSQL: checked like a search, stored with the places their circle holds."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import msgspec

from market.code_lookups import hs_entry, is_country, is_incoterm
from market.db.locks import hold_organization_limit
from market.errors import Conflict, InvalidInput, NotFound
from market.listings.search_params import listing_query
from market.places import canonical_place_id, near_places
from schemas.alerts import Alert, AlertCreate, AlertFilters, AlertList
from schemas.common import FieldError
from search.queries import ListingQuery

__all__ = [
    "MAX_ALERTS",
    "alert_query",
    "check_filters",
    "create_alert",
    "delete_alert",
    "get_alert",
    "list_alerts",
]

MAX_ALERTS = 100
"""Saved searches per organization: each one is checked against every new listing."""

COUNT_SQL = "SELECT count(*) FROM alerts WHERE organization_id = $1"
INSERT_SQL = """
INSERT INTO alerts (organization_id, name, filters, place_ids) VALUES ($1, $2, $3, $4)
RETURNING id
"""
ALERTS_WITH_HITS_SQL = """
SELECT a.id, a.name, a.filters, a.created_at,
       (SELECT count(*) FROM alert_hits h WHERE h.alert_id = a.id) AS matched
FROM alerts a
WHERE a.organization_id = $1
"""
DELETE_SQL = "DELETE FROM alerts WHERE id = $1 AND organization_id = $2"


def check_filters(filters: AlertFilters) -> tuple[AlertFilters, tuple[str, ...] | None]:
    """The filters as saved (``q`` trimmed) and the place ids inside ``near`` (None without one).

    The shapes are checked when the body is read, exactly as search checks its parameters; this
    adds what a standing query needs: a value that can never match is refused rather than
    stored, with an error naming ``filters.<name>``.
    """
    filters = msgspec.structs.replace(filters, q=filters.q.strip())
    if filters == AlertFilters():
        raise InvalidInput.field("filters", "give at least one filter (q, side, hs_code, ...)")
    errors: list[FieldError] = []

    def bad(name: str, message: str) -> None:
        errors.append(FieldError(field=f"filters.{name}", message=message))

    if filters.hs_code is not None and hs_entry(filters.hs_code) is None:
        bad("hs_code", f"'{filters.hs_code}' is not in the HS nomenclature; GET /v1/commodities?q=... helps")
    for name in ("origin_country", "destination_country"):
        country = getattr(filters, name)
        if country is not None and not is_country(country):
            bad(name, f"'{country}' is not an ISO 3166-1 alpha-2 country code")
    if filters.incoterm is not None and not is_incoterm(filters.incoterm):
        bad("incoterm", f"'{filters.incoterm}' is not an Incoterms 2020 rule (EXW, FCA, CPT, DAP, ...)")
    for name in ("origin_place", "destination_place"):
        try:
            place_id = canonical_place_id(name, getattr(filters, name))
            filters = msgspec.structs.replace(filters, **{name: place_id})
        except InvalidInput as exc:
            bad(name, exc.errors[0].message if exc.errors else exc.detail)
    place_ids = None
    if filters.near is not None:
        try:
            place_ids = near_places(filters.near)
        except InvalidInput as exc:
            bad("near", exc.errors[0].message if exc.errors else exc.detail)
        else:
            if not place_ids:
                bad("near", "no known place lies inside this circle, so nothing could match; widen it")
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    return filters, place_ids


def alert_query(
    filters: AlertFilters, place_ids: tuple[str, ...] | None, *, organization_id: UUID
) -> ListingQuery:
    """The listing search an alert stands for, as its own organization would run it."""
    return listing_query(filters, place_ids, exclude_organization_id=str(organization_id))


async def create_alert(conn: asyncpg.Connection, organization_id: UUID, data: AlertCreate) -> Alert:
    filters, place_ids = check_filters(data.filters)
    async with conn.transaction():
        await hold_organization_limit(conn, "alerts", organization_id)
        if await conn.fetchval(COUNT_SQL, organization_id) >= MAX_ALERTS:
            raise Conflict(
                f"an organization may keep {MAX_ALERTS} alerts and you have that many; delete one first"
            )
        alert_id = await conn.fetchval(
            INSERT_SQL,
            organization_id,
            data.name,
            msgspec.to_builtins(filters),
            list(place_ids) if place_ids is not None else None,
        )
    return await get_alert(conn, organization_id, alert_id)


async def get_alert(conn: asyncpg.Connection, organization_id: UUID, alert_id: UUID) -> Alert:
    """One of the organization's alerts; anyone else's is not found."""
    row = await conn.fetchrow(ALERTS_WITH_HITS_SQL + " AND a.id = $2", organization_id, alert_id)
    if row is None:
        raise NotFound(f"no alert with id {alert_id}")
    return msgspec.convert(row, Alert)


async def list_alerts(conn: asyncpg.Connection, organization_id: UUID) -> AlertList:
    rows = await conn.fetch(ALERTS_WITH_HITS_SQL + " ORDER BY a.created_at, a.id", organization_id)
    return AlertList(alerts=[msgspec.convert(r, Alert) for r in rows], max_alerts=MAX_ALERTS)


async def delete_alert(conn: asyncpg.Connection, organization_id: UUID, alert_id: UUID) -> None:
    if await conn.execute(DELETE_SQL, alert_id, organization_id) == "DELETE 0":
        raise NotFound(f"no alert with id {alert_id}")
