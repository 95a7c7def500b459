"""Every stored origin and destination re-resolved against the GeoNames gazetteer.

Listings written before it carry a place of the old hand-written gazetteer (or none): each is
resolved again from what its writer gave (country, city, coordinates), which now also finds
towns the old list lacked, and keeps its old place (by its alias) where the new one finds none.
Changed listings get a new version and go back through the search outbox (their documents gain
the place's names); saved searches with a ``near`` circle get the new gazetteer's places in it.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
import structlog

from market.geography import place_index
from market.listings.columns import listing_geo
from market.places import given_place, location_doc, near_places
from schemas.listings import Place

log = structlog.get_logger(name=__name__)

BATCH = 2000
LISTINGS_SQL = """
SELECT id, side, origin, destination FROM listings
WHERE id > $1 AND (origin IS NOT NULL OR destination IS NOT NULL)
ORDER BY id LIMIT $2
"""
UPDATE_SQL = """
UPDATE listings AS l SET origin = u.origin, destination = u.destination,
       geo_lat = u.geo_lat, geo_lon = u.geo_lon, version = l.version + 1
FROM unnest($1::uuid[], $2::jsonb[], $3::jsonb[], $4::float8[], $5::float8[])
     AS u(id, origin, destination, geo_lat, geo_lon)
WHERE l.id = u.id
"""
ENQUEUE_SQL = "INSERT INTO search_outbox (listing_id) SELECT unnest($1::uuid[])"
ALERTS_SQL = "SELECT id, filters->>'near' AS near FROM alerts WHERE filters ? 'near'"


def relocated(field: str, stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored location resolved again; its old place (through its alias) where nothing else is."""
    if stored is None:
        return None
    doc = location_doc(field, msgspec.convert(given_place(stored), Place))
    if doc is not None and doc["resolved_by"] == "country" and stored.get("place_id"):
        old = place_index().get(str(stored["place_id"]))
        if old is not None and old.country == doc["country"]:
            how = "name" if stored.get("resolved_by") == "city" else "nearest"
            doc = location_doc(field, Place(country=doc["country"], place_id=old.id)) or doc
            doc["resolved_by"] = how
            if stored.get("city"):
                doc["city"] = stored["city"]
    return doc


async def apply(conn: asyncpg.Connection) -> None:
    after, listings = "00000000-0000-0000-0000-000000000000", 0
    while rows := await conn.fetch(LISTINGS_SQL, after, BATCH):
        columns: list[list[Any]] = [[], [], [], [], []]
        for row in rows:
            origin = relocated("origin", row["origin"])
            destination = relocated("destination", row["destination"])
            lat, lon = listing_geo(row["side"], origin, destination)
            for column, value in zip(columns, (row["id"], origin, destination, lat, lon), strict=True):
                column.append(value)
        await conn.execute(UPDATE_SQL, *columns)
        await conn.execute(ENQUEUE_SQL, columns[0])
        after, listings = rows[-1]["id"], listings + len(rows)
    alerts = await conn.fetch(ALERTS_SQL)
    await conn.executemany(
        "UPDATE alerts SET place_ids = $2 WHERE id = $1",
        [(a["id"], list(near_places(a["near"]))) for a in alerts],
    )
    log.info("places re-resolved", listings=listings, alerts=len(alerts))
