"""Dependencies every controller may ask for: the pool, a connection, the search client, the
caller and the caller's organization."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

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


async def provide_connection(state: State) -> AsyncIterator[asyncpg.Connection]:
    """A connection from the pool for the handler, released once it has answered or raised.

    A handler that waits on Meilisearch (or other slow I/O) asks for ``pool`` instead and takes
    a connection only around its queries, so none is held idle meanwhile."""
    async with state.pool.acquire() as conn:
        yield conn


def provide_meili(state: State) -> AsyncClient:
    return state.meili  # type: ignore[no-any-return]


def provide_search_reader(state: State) -> SearchReader:
    return state.search_reader  # type: ignore[no-any-return]


def provide_settings(state: State) -> Settings:
    return state.settings  # type: ignore[no-any-return]


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The caller the gate middleware authenticated."""
    return caller_of(request.scope)


def provide_caller_organization(request: Request[Any, Any, Any]) -> UUID:
    """The caller's organization id, for routes declared ``requires(..., organization=True)``
    (the scope guard has refused every other caller before this runs)."""
    return caller_of(request.scope).require_organization()


dependencies = {
    "pool": Provide(provide_pool, sync_to_thread=False),
    "connection": Provide(provide_connection),
    "meili": Provide(provide_meili, sync_to_thread=False),
    "search_reader": Provide(provide_search_reader, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "caller": Provide(provide_caller, sync_to_thread=False),
    "caller_organization": Provide(provide_caller_organization, sync_to_thread=False),
}
