"""Routes between two towns, the alternatives side by side; and the border crossings' status.

The same resolution and planner as ``GET /v1/routes`` (any town, any spelling), and the same
crossing list as ``GET /v1/border-crossings``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

import asyncpg
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect

from market.access import caller_of, requires
from market.errors import InvalidInput
from market.geography.index import autocomplete
from market.routes.network import MODES
from market.routes.planner import plan_routes
from market.routes.service import current_network, list_crossings, resolve_route_place, set_crossing_status
from market.web.i18n import country_name
from market.web.listing_form import decode_or_refuse
from market.web.rendering import page, request_language
from market.web.route_map import draw_route
from schemas.routes import CrossingStatusUpdate

__all__ = ["crossings_page", "place_options", "routes_page", "set_crossing_status_form"]

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


@get("/places/options", name="place-options", include_in_schema=False)
async def place_options(request: Request[Any, Any, Any]) -> HTMXTemplate:
    """Towns for a partly typed name, as a datalist's options (the routes form's autocomplete)."""
    typed = (request.query_params.get("from") or request.query_params.get("to") or "").strip()[:100]
    cyrillic = any("\u0400" <= c <= "\u04ff" for c in typed)
    options = []
    for place in autocomplete(typed, None, 8) if typed else []:
        shown = (place.names.ru if cyrillic else None) or place.names.en
        others = [n for n in (place.names.ru, place.names.local) if n and n != shown]
        options.append(
            (shown, ", ".join([*others[:1], country_name(place.country, request_language(request))]))
        )
    return page(request, "place_options.html", options=options)


@get("/border-crossings", name="crossings-page", include_in_schema=False)
async def crossings_page(
    request: Request[Any, Any, Any], connection: NamedDependency[asyncpg.Connection]
) -> HTMXTemplate:
    """Every border crossing of the network with its status; a chamber sets those of its borders."""
    caller = caller_of(request.scope)
    crossings = await list_crossings(connection)
    own_country = None
    if caller.organization_kind == "chamber" and "crossings:write" in caller.scopes:
        own_country = await connection.fetchval(
            "SELECT country FROM organizations WHERE id = $1", caller.organization_id
        )
    editable = {
        c.id for c in crossings if caller.is_admin or (own_country is not None and own_country in c.countries)
    }
    return page(request, "crossings.html", crossings=crossings, editable=editable)


@post(
    "/border-crossings/{crossing_id:str}",
    name="set-crossing-status-form",
    include_in_schema=False,
    **requires("crossings:write"),
)
async def set_crossing_status_form(
    request: Request[Any, Any, Any],
    crossing_id: Annotated[str, PathParameter(max_length=100)],
    connection: NamedDependency[asyncpg.Connection],
) -> Redirect:
    """Set a crossing open, restricted or closed, as ``PATCH /v1/border-crossings/{id}`` does."""
    form = await request.form()
    given = {"status": str(form.get("status") or ""), "note": str(form.get("note") or "").strip()}
    update = decode_or_refuse(given, CrossingStatusUpdate)
    await set_crossing_status(connection, caller_of(request.scope), crossing_id, update)
    return Redirect("/border-crossings", status_code=303)
