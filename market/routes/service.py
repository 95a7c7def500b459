"""Routes and crossings for the API: the shipped network plus the statuses set in PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import asyncpg
import msgspec

from market.auth import Caller
from market.errors import Forbidden, InvalidInput, NotFound
from market.places import Place, normalize_name
from market.routes.network import Crossing, RouteNetwork, load_network
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


@lru_cache(maxsize=1)
def _names() -> dict[str, list[tuple[Place, str]]]:
    index: dict[str, list[tuple[Place, str]]] = {}
    for place in load_network().places.values():
        labelled = [("en", place.names.en), ("ru", place.names.ru), ("local", place.names.local)]
        labelled += [("alt", name) for name in place.names.alt]
        for language, name in labelled:
            if name:
                entries = index.setdefault(normalize_name(name), [])
                if all(p.id != place.id for p, _ in entries):
                    entries.append((place, f"name ({language})"))
    return index


def resolve_route_place(network: RouteNetwork, field: str, value: str) -> RoutePlace:
    """A place id, or a place name in any of its languages; InvalidInput naming ``field`` if not."""
    place = network.places.get(value.strip())
    matched = "id"
    if place is None:
        found = _names().get(normalize_name(value), [])
        if len(found) > 1:
            options = ", ".join(f"{p.id} ({p.country})" for p, _ in found)
            raise InvalidInput.field(field, f"'{value}' names several places: use an id, one of {options}")
        if not found:
            if value.strip() in network.crossings:
                raise InvalidInput.field(
                    field, f"'{value}' is a border crossing; routes start and end at places"
                )
            raise InvalidInput.field(
                field,
                f"no known place called '{value}'; use a place id or a city name (GET /v1/border-crossings)",
            )
        place, matched = found[0]
    return RoutePlace(id=place.id, name=place.names.en, country=place.country, matched=matched)


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
