"""The `market` command against the test services: migrations and a zero-downtime reindex."""

from __future__ import annotations

import io

import httpx
from rich.console import Console

from market.glossary import search_terms
from search.rebuild import rebuild_listings
from tests.helpers import offer_body, run_market, wait_searchable


async def test_migrate_is_idempotent(settings, app) -> None:
    result = run_market(settings, "db", "migrate")
    assert result.returncode == 0, result.stderr
    assert "applied 0 migration(s)" in result.stderr + result.stdout


async def test_reindex_rebuilds_and_swaps(client: httpx.AsyncClient, make_org, app, settings) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings", json=offer_body(title="Reindexed plates"), headers=org.headers
    )
    listing_id = created.json()["id"]
    await wait_searchable(client, {"q": "Reindexed plates"}, listing_id)
    index = app.state.meili.index(settings.listings_index)
    # Damage the index as a lost disk or a bad deploy might: the listing is gone from search.
    task = await index.delete_documents([listing_id])
    await app.state.meili.wait_for_task(task.task_uid)
    await wait_searchable(client, {"q": "Reindexed plates"}, listing_id, present=False)

    count = await rebuild_listings(
        app.state.pool,
        app.state.meili,
        settings.listings_index,
        terms_for=search_terms,
        batch_size=7,
        console=Console(file=io.StringIO()),
    )

    live = await app.state.pool.fetchval(
        "SELECT count(*) FROM listings WHERE status = 'active' AND expires_at > now()"
    )
    assert count == live
    await wait_searchable(client, {"q": "Reindexed plates"}, listing_id)
    stats = await index.get_stats()
    assert stats.number_of_documents == live
    leftovers = [i.uid for i in await app.state.meili.get_indexes() or [] if "_rebuild_" in i.uid]
    assert leftovers == []
