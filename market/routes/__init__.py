"""Route network (hubs, border crossings, road and rail links) and the route planner."""

from __future__ import annotations

from market.routes.network import (
    MODES,
    Crossing,
    Link,
    Mode,
    RouteDataError,
    RouteNetwork,
    load_network,
    network_graph,
    parse_network,
)
from market.routes.planner import Leg, Route, RouteCrossing, plan_routes

__all__ = [
    "MODES",
    "Crossing",
    "Leg",
    "Link",
    "Mode",
    "Route",
    "RouteCrossing",
    "RouteDataError",
    "RouteNetwork",
    "load_network",
    "network_graph",
    "parse_network",
    "plan_routes",
]
