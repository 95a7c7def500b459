"""Routes between two towns, the alternatives side by side; and the border crossings' status.

The same resolution and planner as ``GET /v1/routes`` (any town, any spelling), and the same
crossing list as ``GET /v1/border-crossings``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import asyncpg
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.plugins.htmx import HTMXTemplate

from market.errors import InvalidInput
from market.routes.network import MODES
from market.routes.planner import plan_routes
from market.routes.service import current_network, list_crossings, resolve_route_place
from market.web.rendering import page
from market.web.route_map import draw_route

__all__ = ["crossings_page", "routes_page"]

MODE_CHOICES = ("any", "road", "rail")


@get("/routes", name="routes-page", include_in_schema=False)
async def routes_page(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> HTMXTemplate:
    """Plan routes between two towns named in any language."""
    given = {name: request.query_params.get(name, "").strip()[:100] for name in ("from", "to")}
    mode = request.query_params.get("mode", "any")
    mode = mode if mode in MODE_CHOICES else "any"
    errors: dict[str, str] = {}
    places = {}
    network, _ = await current_network(connection)
    for field, value in given.items():
        if value:
            try:
                places[field] = resolve_route_place(network, field, value)
            except InvalidInput as exc:
                errors[field] = exc.errors[0].message if exc.errors else exc.detail
    routes = []
    if len(places) == 2:
        if places["from"].id == places["to"].id:
            errors["to"] = "it is the same place as 'from'"
        else:
            modes = list(MODES) if mode == "any" else [mode]
            found = plan_routes(network, places["from"].id, places["to"].id, modes=modes, k=3)
            names = {p.id: p.name for p in places.values()}
            routes = [(route, draw_route(network, route, names)) for route in found]
    return page(
        request,
        "routes.html",
        given=given,
        mode=mode,
        mode_choices=MODE_CHOICES,
        errors=defaultdict(str, errors),
        places=defaultdict(lambda: None, places),
        routes=routes,
        planned=len(places) == 2 and not errors,
    )


@get("/border-crossings", name="crossings-page", include_in_schema=False)
async def crossings_page(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> HTMXTemplate:
    """Every border crossing of the network with its status."""
    return page(request, "crossings.html", crossings=await list_crossings(connection))
