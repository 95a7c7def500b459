"""Dependencies every controller may ask for: the pool, the search client, the caller."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from meilisearch_python_sdk import AsyncClient

from market.access import caller_of
from market.auth import Caller
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


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller the gate middleware authenticated."""
    return caller_of(request.scope)


dependencies = {
    "pool": Provide(provide_pool, sync_to_thread=False),
    "meili": Provide(provide_meili, sync_to_thread=False),
    "search_reader": Provide(provide_search_reader, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "caller": Provide(provide_caller, sync_to_thread=False),
}
