"""The demo data loads once and answers the searches the README promises."""

from __future__ import annotations

import asyncio

from market.demo import demo_data, load_demo
from search.queries import ListingQuery, search_listings


async def _found_within(app, settings, query: ListingQuery, listing_id: str) -> None:
    # The shared test index holds other tests' listings too; scoping by organization keeps this
    # about the demo data while running the very query the API runs.
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        result = await search_listings(app.state.search_reader, settings.listings_index, query)
        if listing_id in {str(hit.id) for hit in result.hits}:
            return
        assert asyncio.get_running_loop().time() < deadline, f"{query.q!r} did not find {listing_id}"
        await asyncio.sleep(0.1)


async def test_demo_loads_once_and_is_searchable(app, settings) -> None:
    data = demo_data()
    chambers = {o.country for o in data.organizations if o.kind == "chamber"}
    assert {"KZ", "UZ", "TJ", "KG", "TM"} <= chambers
    async with app.state.pool.acquire() as conn:
        names = [o.name for o in data.organizations]
        before = await conn.fetchval("SELECT count(*) FROM organizations WHERE name = any($1::text[])", names)
        created = await load_demo(conn)
        again = await load_demo(conn)
    # Another test module may have loaded it first (the matching tests use it too).
    everything = (len(data.organizations), len(data.listings), len(data.introductions))
    assert created == (everything if before == 0 else (0, 0, 0))
    assert again == (0, 0, 0)
    # The demo's own listings (other tests post look-alikes of its goods).
    sql = (
        "SELECT l.id::text, l.organization_id::text FROM listings l"
        " JOIN organizations o ON o.id = l.organization_id"
        " WHERE o.name = any($1::text[]) AND {} ORDER BY l.created_at LIMIT 1"
    )
    async with app.state.pool.acquire() as conn:
        plates = await conn.fetchrow(sql.format("title ILIKE '%ceramic plates%' AND side = 'offer'"), names)
        flour = await conn.fetchrow(sql.format("title ILIKE '%мука%'"), names)
        cars = await conn.fetchrow(
            sql.format(
                "side = 'offer' AND hs_code LIKE '8703%' AND origin->>'city' = 'Kostanai'"
                " AND destination->>'country' = 'TJ'"
            ),
            names,
        )
    assert plates and flour and cars
    for q, (listing_id, org_id) in (("ceramic plates", plates), ("мука", flour), ("Kostanai", cars)):
        await _found_within(app, settings, ListingQuery(q=q, organization_id=org_id, limit=100), listing_id)


async def test_demo_introductions_show_each_state(app) -> None:
    async with app.state.pool.acquire() as conn:
        await load_demo(conn)
        rows = await conn.fetch(
            """SELECT l.external_ref, i.status, i.decline_reason,
                      (SELECT count(*) FROM introduction_messages m
                       WHERE m.introduction_id = i.id) AS messages,
                      (SELECT count(*) FROM introduction_messages m
                       WHERE m.introduction_id = i.id AND m.quote IS NOT NULL) AS quotes
               FROM introductions i JOIN listings l ON l.id = i.listing_id
               JOIN organizations o ON o.id = i.requester_id
               WHERE l.external_ref = any($1::text[]) AND o.name = any($2::text[])""",
            ["HTH-D-CAR-01", "TSC-PL-2026-01", "ZIT-D-FL-01"],
            [o.name for o in demo_data().organizations],
        )
    by_listing = {r["external_ref"]: r for r in rows}
    cars, plates, flour = (by_listing[ref] for ref in ("HTH-D-CAR-01", "TSC-PL-2026-01", "ZIT-D-FL-01"))
    assert (cars["status"], cars["messages"], cars["quotes"]) == ("accepted", 2, 1)
    assert plates["status"] == "requested"
    assert (flour["status"], flour["decline_reason"]) == ("declined", "price")
