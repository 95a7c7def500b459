"""Routes between places for matching, planned once and kept across requests.

A match request scores up to 120 candidates, each needing a route between two places. Planning a
new pair costs a fraction of a millisecond (about 0.06 ms for the fastest route, 0.1 ms with the
alternatives) and a lookup next to nothing, so matching scores on the event loop while it needs
no more than ``INLINE_PAIRS`` new pairs (a router with ``new_pairs`` set raises ``Unplanned``
beyond that), and in a worker thread when it needs more.
"""

from __future__ import annotations

from collections.abc import Collection

from market.routes.network import RouteNetwork
from market.routes.planner import OffNetwork, plan_routes
from schemas.routes import Route

__all__ = ["INLINE_PAIRS", "ROUTES_KEPT", "Router", "Unplanned"]

_ROUTES: dict[tuple[str, str, frozenset[str], int, str, tuple[tuple[str, str], ...]], list[Route] | None] = {}
ROUTES_KEPT = 4096
INLINE_PAIRS = 32
"""New pairs a request may plan on the event loop: about 2 ms, a few at most."""


class Unplanned(Exception):
    """Scoring needs more new routes than the router may plan."""


class Router:
    """Routes between places, planned once per pair, set of modes and state of the crossings.

    Kept across requests: the key includes the network version and every crossing that is not
    open, so a status change makes fresh routes at once.
    """

    def __init__(self, network: RouteNetwork, *, new_pairs: int | None = None) -> None:
        self.network = network
        self.new_pairs = new_pairs
        """How many pairs no request has planned yet this router may plan (None: any number);
        beyond that a lookup raises ``Unplanned`` instead of planning."""
        self._statuses = tuple(
            sorted((c.id, c.status) for c in network.crossings.values() if c.status != "open")
        )

    def routes(self, start: str, end: str, modes: Collection[str], k: int = 3) -> list[Route] | None:
        """Up to ``k`` routes between two places, fastest first ([]: none over open crossings), or
        None when a place cannot be routed at all (too far from every hub, or an id no longer known).
        The first route is the same whatever ``k``."""
        key = (start, end, frozenset(modes), k, self.network.version, self._statuses)
        if key in _ROUTES:
            return _ROUTES[key]
        if self.new_pairs is not None:
            if self.new_pairs <= 0:
                raise Unplanned
            self.new_pairs -= 1
        found: list[Route] | None = []
        if start != end:
            try:
                found = plan_routes(self.network, start, end, modes=modes, k=k)
            except (OffNetwork, KeyError):
                found = None
        if len(_ROUTES) >= ROUTES_KEPT:
            _ROUTES.pop(next(iter(_ROUTES)))
        _ROUTES[key] = found
        return found
