"""What the API, the worker, the CLI and the benchmarks share at start, without Litestar or click.

For now: preparing the search indexes. (Issue 10 moves the rest of the start-up here: settings
with embedded services, the pool and the Meilisearch clients, and the background loops.)
"""

from __future__ import annotations

from meilisearch_python_sdk import AsyncClient

from market.commodities.documents import commodity_documents
from market.settings import Settings
from search import COMMODITY_SETTINGS, LISTING_SETTINGS, ensure_index
from search.commodities import load_commodities

__all__ = ["prepare_indexes"]


async def prepare_indexes(settings: Settings, meili: AsyncClient) -> None:
    """Create indexes and apply settings if they changed; load the HS index if it is empty."""
    await ensure_index(meili, settings.listings_index, LISTING_SETTINGS)
    await ensure_index(meili, settings.commodities_index, COMMODITY_SETTINGS)
    stats = await meili.index(settings.commodities_index).get_stats()
    if stats.number_of_documents == 0:
        await load_commodities(meili, settings.commodities_index, commodity_documents())
