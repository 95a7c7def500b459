"""Dependencies every controller may ask for: the pool, the search client, the caller."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from meilisearch_python_sdk import AsyncClient

from market.auth import Caller, resolve_caller
from market.settings import Settings
from search.client import SearchReader

__all__ = ["dependencies"]


def provide_pool(state: State) -> asyncpg.Pool:
    return state.pool  # type: ignore[no-any-return]


def provide_meili(state: State) -> AsyncClient:
    return state.meili  # type: ignore[no-any-return]


def provide_search_reader(state: State) -> SearchReader:
    return state.search_reader  # type: ignore[no-any-return]


def provide_settings(state: State) -> Settings:
    return state.settings  # type: ignore[no-any-return]


async def provide_caller(request: Request[Any, Any, Any], state: State) -> Caller:
    return await resolve_caller(request, state.pool, state.settings.admin_token)


dependencies = {
    "pool": Provide(provide_pool, sync_to_thread=False),
    "meili": Provide(provide_meili, sync_to_thread=False),
    "search_reader": Provide(provide_search_reader, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "caller": Provide(provide_caller),
}
