"""Routes and crossings for the API: the shipped network plus the statuses set in PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from market.auth import Caller
from market.errors import Forbidden, InvalidInput, NotFound
from market.geography import name_key, place_index
from market.routes.access import OffNetwork, endpoint
from market.routes.network import Crossing, NetworkPlace, RouteNetwork, load_network
from schemas.routes import CrossingStatusUpdate, CrossingView, RoutePlace

__all__ = ["current_network", "list_crossings", "resolve_route_place", "set_crossing_status"]

STATUS_SQL = "SELECT crossing_id, status, note, updated_at FROM border_crossing_status"
UPSERT_SQL = """
INSERT INTO border_crossing_status (crossing_id, status, note, updated_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (crossing_id) DO UPDATE
SET status = excluded.status, note = excluded.note, updated_by = excluded.updated_by, updated_at = now()
"""


async def current_network(
    db: asyncpg.Connection | asyncpg.Pool,
) -> tuple[RouteNetwork, dict[str, datetime]]:
    """The network with today's crossing statuses, and when each override was set (one query,
    on a connection or on the pool).

    The routing tables do not depend on status (it is applied per query), so the network keeps
    its version and every cache built on it stays valid.
    """
    base = load_network()
    rows = await db.fetch(STATUS_SQL)
    if not rows:
        return base, {}
    crossings = dict(base.crossings)
    for row in rows:
        if row["crossing_id"] in crossings:
            crossings[row["crossing_id"]] = msgspec.structs.replace(
                crossings[row["crossing_id"]], status=row["status"], note=row["note"]
            )
    changed = {row["crossing_id"]: row["updated_at"] for row in rows}
    return msgspec.structs.replace(base, crossings=crossings), changed


def _hub_named(network: RouteNetwork, text: str) -> NetworkPlace | None:
    """The hub that is no gazetteer town (a dry port, a border post) with this name, if any."""
    key, towns = name_key(text), place_index()
    for hub in network.places.values():
        names = (hub.names.en, hub.names.ru, hub.names.local, *hub.names.alt)
        if towns.get(hub.id) is None and any(name and name_key(name) == key for name in names):
            return hub
    return None


def resolve_route_place(network: RouteNetwork, field: str, value: str) -> RoutePlace:
    """A place id or a place name in any spelling (any town of the gazetteer, or a hub of the
    network); InvalidInput naming ``field`` if it names none or a town no route reaches."""
    text = value.strip()
    if text in network.crossings:
        raise InvalidInput.field(field, f"'{value}' is a border crossing; routes start and end at places")
    hub = network.places.get(text.upper()) or _hub_named(network, text)
    if hub is not None:
        matched = "id" if hub.id == text.upper() else "name"
        place = RoutePlace(id=hub.id, name=hub.names.en, country=hub.country, matched=matched)
    else:
        found = place_index().resolve(text)
        if found is None:
            raise InvalidInput.field(
                field, f"no known place called '{value}'; use a place id or a town's name (GET /v1/places?q=)"
            )
        town = found.place
        place = RoutePlace(id=town.id, name=town.names.en, country=town.country, matched=found.resolved_by)
    try:
        endpoint(network, place.id)
    except OffNetwork as exc:
        raise InvalidInput.field(field, f"no route can reach '{value}': {exc}") from exc
    return place


def _view(crossing: Crossing, updated_at: datetime | None) -> CrossingView:
    data = msgspec.to_builtins(crossing)
    return msgspec.convert({**data, "status_updated_at": updated_at}, CrossingView)


async def list_crossings(conn: asyncpg.Connection) -> list[CrossingView]:
    network, changed = await current_network(conn)
    return [_view(c, changed.get(c.id)) for c in sorted(network.crossings.values(), key=lambda c: c.id)]


async def set_crossing_status(
    conn: asyncpg.Connection, caller: Caller, crossing_id: str, update: CrossingStatusUpdate
) -> CrossingView:
    """Admins set any crossing; a chamber sets crossings on its own country's borders."""
    crossing = load_network().crossings.get(crossing_id)
    if crossing is None:
        raise NotFound(f"no border crossing with id '{crossing_id}' (GET /v1/border-crossings lists them)")
    if not caller.is_admin:
        caller.require_organization()
        if caller.organization_kind != "chamber":
            raise Forbidden("only the platform admin or a chamber of commerce can set a crossing's status")
        country = await conn.fetchval(
            "SELECT country FROM organizations WHERE id = $1", caller.organization_id
        )
        if country not in crossing.countries:
            raise Forbidden(
                f"a chamber can set crossings on its own country's borders ({country}), not this one"
            )
    await conn.execute(UPSERT_SQL, crossing_id, update.status, update.note, caller.organization_id)
    network, changed = await current_network(conn)
    return _view(network.crossings[crossing_id], changed.get(crossing_id))
