"""HTTP: /v1/routes and /v1/border-crossings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import asyncpg
from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import JSONBody, PathParameter, QueryParameter

from market.access import requires
from market.auth import Caller
from market.errors import InvalidInput
from market.problems import problem_responses
from market.routes import service
from market.routes.network import MODES
from market.routes.planner import plan_routes
from schemas.routes import CrossingStatusUpdate, CrossingView, Routes

__all__ = ["RouteController"]


def _town(name: str, *examples: str) -> Any:
    """The ``from`` or ``to`` query parameter."""
    return QueryParameter(
        name=name,
        min_length=1,
        max_length=100,
        description="A town: UN/LOCODE, GN-<geonameid> or a name in any script (GET /v1/places)",
        examples=[Example(value=value) for value in examples],
    )


class RouteController(Controller):
    path = "/v1"
    tags = ["routes"]

    @get("/routes", operation_id="planRoutes", responses=problem_responses(400, 422))
    async def routes(
        self,
        connection: NamedDependency[asyncpg.Connection],
        origin: Annotated[str, _town("from", "Namangan", "KZKSN")],
        destination: Annotated[str, _town("to", "Караганда", "TJDYU")],
        mode: Annotated[
            Literal["road", "rail", "any"], QueryParameter(description="any: road and rail")
        ] = "any",
        k: Annotated[int, QueryParameter(ge=1, le=10, description="How many alternatives")] = 3,
    ) -> Routes:
        """Up to k alternative routes between two towns: crossings in order, km, hours and days.

        A town that is not a hub of the network is joined to the nearest hubs of its country by an
        estimated road leg (great-circle km x 1.2 at 50 km/h), marked ``estimate``."""
        network, _ = await service.current_network(connection)
        start = service.resolve_route_place(network, "from", origin)
        end = service.resolve_route_place(network, "to", destination)
        if start.id == end.id:
            raise InvalidInput.field("to", f"'{destination}' is the same place as 'from' ({start.id})")
        modes = list(MODES) if mode == "any" else [mode]
        found = plan_routes(network, start.id, end.id, modes=modes, k=k)
        return Routes(origin=start, destination=end, modes=modes, routes=found)

    @get("/border-crossings", operation_id="listBorderCrossings")
    async def crossings(self, connection: NamedDependency[asyncpg.Connection]) -> list[CrossingView]:
        """Every border crossing with its modes, typical clearance hours, status and source."""
        return await service.list_crossings(connection)

    @patch(
        "/border-crossings/{crossing_id:str}",
        operation_id="setBorderCrossingStatus",
        responses=problem_responses(400, 401, 403, 404, 413),
        **requires("crossings:write"),
    )
    async def set_status(
        self,
        crossing_id: Annotated[str, PathParameter(max_length=100)],
        data: JSONBody[CrossingStatusUpdate],
        caller: NamedDependency[Caller],
        connection: NamedDependency[asyncpg.Connection],
    ) -> CrossingView:
        """Set a crossing open, restricted or closed (admin, or a chamber on its borders)."""
        return await service.set_crossing_status(connection, caller, crossing_id, data)
