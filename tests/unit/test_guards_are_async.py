"""Every guard is a coroutine function: Litestar runs a plain function guard in a worker thread,
and that hop on every request cost about 200 µs of CPU on GET /v1/listings/{id}
(docs/benchmarks.md)."""

from __future__ import annotations

import inspect

from litestar.handlers import HTTPRouteHandler

from market.app import create_app
from market.settings import Settings


def test_every_guard_of_every_route_is_async() -> None:
    app = create_app(Settings())
    guards = {
        (route.path, guard.__qualname__, inspect.iscoroutinefunction(guard))
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if isinstance(handler, HTTPRouteHandler)
        for guard in handler.resolve_guards()
    }
    assert guards, "the app has guards to check"
    assert {g for g in guards if not g[2]} == set()
