"""Migration 0016: listings stored with the old gazetteer's places are re-resolved, and their
search documents queued again."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest

from market.db import connect
from tests.helpers import offer_body

migration = importlib.import_module("market.db.migrations.0016_gazetteer_places")

OLD_STYLE = [
    # (stored before the migration, what it becomes: place id, resolved_by)
    ({"country": "TJ", "city": "Khujand", "place_id": "X-TJ-KHUJAND", "resolved_by": "city"},
     "TJKHU", "name"),
    (
        {"country": "UZ", "city": "Qishloq-7", "lat": 41.47, "lon": 69.58, "place_id": "UZTAS",
         "resolved_by": "nearest_hub"},
        "GN-1514210",
        "nearest",
    ),
    ({"country": "KZ", "city": "Nur-Sultan city", "place_id": "X-KZ-ASTANA", "resolved_by": "city"},
     "GN-1526273", "name"),
    ({"country": "KG", "city": "Nowhere-upon-Chu"}, None, "country"),
]  # fmt: skip


def test_the_old_ids_used_above_still_resolve() -> None:
    from market.geography import place_index

    assert place_index().get("X-TJ-KHUJAND") is not None
    assert place_index().get("X-KZ-ASTANA").id == "GN-1526273"  # type: ignore[union-attr]


@pytest.mark.parametrize(("stored", "place_id", "resolved_by"), OLD_STYLE)
def test_a_stored_location_is_resolved_again(
    stored: dict[str, Any], place_id: str | None, resolved_by: str
) -> None:
    doc = migration.relocated("origin", stored)
    assert doc["resolved_by"] == resolved_by
    assert doc.get("place_id") == place_id
    assert doc["city"] == stored["city"]
    if place_id is not None:
        assert doc["place"]["names"]["en"] and doc["known_as"]


async def test_the_migration_rewrites_rows_and_queues_them(
    client: httpx.AsyncClient, make_org, settings
) -> None:
    org = await make_org(country="TJ")
    created = await client.post(
        "/v1/listings", json=offer_body(origin={"country": "TJ", "city": "Khujand"}), headers=org.headers
    )
    assert created.status_code == 201, created.text
    listing_id = created.json()["id"]
    conn = await connect(settings.database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(
                "UPDATE listings SET origin = $2, geo_lat = NULL, geo_lon = NULL WHERE id = $1::uuid",
                listing_id,
                OLD_STYLE[0][0],
            )
            # Rows queued after this point (the indexer may take the POST's own row meanwhile).
            last = await conn.fetchval("SELECT coalesce(max(id), 0) FROM search_outbox")
            queued = "SELECT count(*) FROM search_outbox WHERE listing_id = $1::uuid AND id > $2"
            await migration.apply(conn)
            row = await conn.fetchrow(
                "SELECT origin, version, geo_lat FROM listings WHERE id = $1::uuid", listing_id
            )
            assert row["origin"]["place_id"] == "TJKHU" and row["origin"]["resolved_by"] == "name"
            assert row["version"] == 2 and row["geo_lat"] == row["origin"]["place"]["lat"]
            assert await conn.fetchval(queued, listing_id, last) == 1
        finally:
            await tx.rollback()
    finally:
        await conn.close()
