"""First- and last-mile legs: how a route reaches the network from a town that is not one of its hubs.

The network has about fifty hubs; the gazetteer every town of the region. A town off the network
is joined by road to the up to ``ACCESS_HUBS`` nearest hubs of its own country with road links and
the up to ``ACCESS_HUBS`` nearest with rail links (never across a border: that needs a crossing),
no farther than ``MAX_ACCESS_KM`` by road, and the planner picks whichever gives the fastest route.
There is no road data for these legs, so both figures are estimates and the legs say so
(``estimate=True``):

- **Road km = great-circle km x ``DETOUR_FACTOR``.** Roads are longer than the straight line by a
  circuity factor: Newell (1980, *Traffic Flow on Transportation Networks*, MIT Press) derives
  about 1.2 for a dense road network, and Ballou, Rahardja & Sakai (2002, "Selected country
  circuity factors for road travel distance estimation", *Transportation Research Part A* 36(9),
  843-848) measure factors of about 1.1 to 1.4 across countries. The shipped road links of the
  network have a median of 1.16 (``tests/unit/test_route_access.py`` checks the factor against it).
- **Hours = road km / ``ACCESS_KMH``.** The shipped road links, timed from bus timetables and road
  guides (sources in ``data/routes.json``), have a median of 60 km/h on trunk roads; a first or last
  mile runs on regional roads and through towns, so 50 km/h [E].
"""

from __future__ import annotations

import msgspec

from market.geography import km_between, place_index
from market.routes.network import MODES, RouteNetwork

__all__ = [
    "ACCESS_HUBS",
    "ACCESS_KMH",
    "DETOUR_FACTOR",
    "ENDPOINTS_KEPT",
    "MAX_ACCESS_KM",
    "Access",
    "Endpoint",
    "OffNetwork",
    "endpoint",
]

DETOUR_FACTOR = 1.2
ACCESS_KMH = 50.0
ACCESS_HUBS = 3
MAX_ACCESS_KM = 600.0
"""Road km: a town farther than this from every hub of its country is off the network."""


class OffNetwork(LookupError):
    """The place is known, but no hub of its country is within reach: no route can be planned."""


class Access(msgspec.Struct, frozen=True):
    """A way onto the network: the hub, and the road leg to it (0 km for a hub itself)."""

    hub: str
    km: float
    hours: float


class Endpoint(msgspec.Struct, frozen=True):
    """Where a route starts or ends: the place asked for and its ways onto the network."""

    id: str
    country: str
    access: tuple[Access, ...]


def _modes_at(network: RouteNetwork) -> dict[str, set[str]]:
    """The modes of the links at each hub."""
    served: dict[str, set[str]] = {}
    for link in network.links:
        served.setdefault(link.from_, set()).add(link.mode)
        served.setdefault(link.to, set()).add(link.mode)
    return served


_ENDPOINTS: dict[tuple[str, str], Endpoint | str] = {}
ENDPOINTS_KEPT = 8192
"""Endpoints worked out, per network version and place id (or why the place is off the network):
a few hundred bytes each."""


def endpoint(network: RouteNetwork, place_id: str) -> Endpoint:
    """The endpoint of a network place id or of any id ``place_index().get`` resolves.

    ``KeyError`` for an id nobody knows (or a crossing's); ``OffNetwork`` for a town too far from
    every hub of its country.
    """
    key = (network.version, place_id)
    found = _ENDPOINTS.get(key)
    if found is None:
        try:
            found = _endpoint(network, place_id)
        except OffNetwork as exc:
            found = str(exc)
        if len(_ENDPOINTS) >= ENDPOINTS_KEPT:
            _ENDPOINTS.pop(next(iter(_ENDPOINTS)))
        _ENDPOINTS[key] = found
    if isinstance(found, str):
        raise OffNetwork(found)
    return found


def _endpoint(network: RouteNetwork, place_id: str) -> Endpoint:
    hub = network.places.get(place_id)
    if hub is not None:
        return Endpoint(hub.id, hub.country, (Access(hub.id, 0.0, 0.0),))
    if place_id in network.crossings:
        raise KeyError(f"unknown place id {place_id!r} (a border crossing; routes start and end at places)")
    town = place_index().get(place_id)
    if town is None:
        raise KeyError(f"unknown place id {place_id!r}")
    if town.id in network.places:
        return Endpoint(town.id, town.country, (Access(town.id, 0.0, 0.0),))
    reachable = sorted(
        (round(km_between(town.lat, town.lon, h.lat, h.lon) * DETOUR_FACTOR, 1), h.id)
        for h in network.places.values()
        if h.country == town.country
    )
    # The nearest hubs by road and, so that a train can be taken, the nearest railway stations.
    served = _modes_at(network)
    chosen = {
        pair
        for mode in MODES
        for pair in [p for p in reachable if mode in served.get(p[1], ())][:ACCESS_HUBS]
        if pair[0] <= MAX_ACCESS_KM
    }
    access = tuple(Access(hub_id, km, round(km / ACCESS_KMH, 2)) for km, hub_id in sorted(chosen))
    if not access:
        far = f"more than {MAX_ACCESS_KM:.0f} km by road from every hub of {town.country}"
        raise OffNetwork(f"{town.names.en} ({town.id}) is {far}")
    return Endpoint(town.id, town.country, access)
