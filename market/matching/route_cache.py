"""Routes between places for matching, planned once and kept across requests.

A match request scores up to 120 candidates, each needing a route between two places. Planning a
new pair costs tens of milliseconds (k shortest paths) and a lookup next to nothing, so matching
scores on the event loop when every route it needs is here (``plan=False`` raises ``Unplanned``
otherwise) and in a worker thread when some must be planned.
"""

from __future__ import annotations

from collections.abc import Collection

from market.routes.network import RouteNetwork
from market.routes.planner import OffNetwork, plan_routes
from schemas.routes import Route

__all__ = ["ROUTES_KEPT", "Router", "Unplanned"]

_ROUTES: dict[tuple[str, str, frozenset[str], str, tuple[tuple[str, str], ...]], list[Route] | None] = {}
ROUTES_KEPT = 4096


class Unplanned(Exception):
    """Scoring needs a route that is not planned yet, and planning was not allowed."""


class Router:
    """Routes between places, planned once per pair, set of modes and state of the crossings.

    Kept across requests: the key includes the network version and every crossing that is not
    open, so a status change makes fresh routes at once.
    """

    def __init__(self, network: RouteNetwork, *, plan: bool = True) -> None:
        self.network = network
        self.plan = plan
        """False: a pair no request has planned yet raises ``Unplanned`` instead of planning."""
        self._statuses = tuple(
            sorted((c.id, c.status) for c in network.crossings.values() if c.status != "open")
        )

    def routes(self, start: str, end: str, modes: Collection[str]) -> list[Route] | None:
        """The routes between two places, fastest first ([]: none over open crossings), or None
        when a place cannot be routed at all (too far from every hub, or an id no longer known)."""
        key = (start, end, frozenset(modes), self.network.version, self._statuses)
        if key in _ROUTES:
            return _ROUTES[key]
        if not self.plan:
            raise Unplanned
        found: list[Route] | None = []
        if start != end:
            try:
                found = plan_routes(self.network, start, end, modes=modes, k=3)
            except (OffNetwork, KeyError):
                found = None
        if len(_ROUTES) >= ROUTES_KEPT:
            _ROUTES.pop(next(iter(_ROUTES)))
        _ROUTES[key] = found
        return found
