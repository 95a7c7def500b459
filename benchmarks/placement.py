"""Where matching starts and ends routes, under the former placement rule and today's, side by
side on the same offer-demand pairs of the benchmark data (in process: no servers).

- **before**: a place counted only if it was one of the 38 hubs of the former hand-written
  gazetteer; any other town of KZ, UZ, TJ, KG or TM started at its country's main hub, and any
  other place had no route (``route_unknown``).
- **after**: every town of the gazetteer, joined to the network by a first or last mile
  (``market.routes.access``); only a listing known by its country alone starts at a hub.

    .venv/bin/python -m benchmarks.placement [--listings 20000] [--pairs 3000]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Callable
from importlib import resources
from typing import Any

import msgspec

from benchmarks.dataset import LISTING_COLUMNS, Generator
from market.geography import place_index
from market.matching.route_cache import Router
from market.matching.service import COUNTRY_HUBS, route_end
from market.routes import load_network

__all__ = ["FIVE", "bench_placement", "main"]

FIVE = frozenset(COUNTRY_HUBS)
_End = tuple[str, str] | None  # (place id, "own" | "hub"), or None: no place a route can use
_Rule = Callable[[dict[str, Any]], _End]


def _former_hubs() -> frozenset[str]:
    rows = json.loads((resources.files("market") / "data" / "places.json").read_bytes())
    aliases = place_index().aliases
    return frozenset(aliases.get(row["id"], row["id"]) for row in rows)


def _rules() -> dict[str, _Rule]:
    former = _former_hubs()

    def before(end: dict[str, Any]) -> _End:
        if end.get("place_id") in former:
            return end["place_id"], "own"
        hub = COUNTRY_HUBS.get(end["country"])
        return (hub, "hub") if hub else None

    def after(end: dict[str, Any]) -> _End:  # what matching does today
        found = route_end(end)
        return None if found is None else (found[0], "hub" if found[1] == "country" else "own")

    return {"before": before, "after": after}


def _pairs(listings: int, pairs: int, seed: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(offer origin, demand destination) of random active offers and demands."""
    generator = Generator(seed)
    generator.organizations(max(50, listings // 100))
    column = {name: i for i, name in enumerate(LISTING_COLUMNS)}
    ends: dict[str, list[dict[str, Any]]] = {"offer": [], "demand": []}
    for chunk in generator.listings(listings):
        for row in chunk:
            side = row[column["side"]]
            raw = row[column["origin" if side == "offer" else "destination"]]
            if row[column["status"]] == "active" and raw:
                ends[side].append(msgspec.json.decode(raw))
    rng = random.Random(seed + 7)
    return [(rng.choice(ends["offer"]), rng.choice(ends["demand"])) for _ in range(pairs)]


def _count(rule: _Rule, pairs: list[tuple[dict[str, Any], dict[str, Any]]], router: Router) -> dict[str, Any]:
    outcome: Counter[str] = Counter()
    for origin, destination in pairs:
        start, end = rule(origin), rule(destination)
        if start is None or end is None:
            outcome["route_unknown"] += 1
            continue
        if start[0] == end[0]:
            outcome["same_place"] += 1
            continue
        found = router.routes(start[0], end[0], frozenset({"road", "rail"}))
        if found is None:
            outcome["route_unknown"] += 1
        elif not found:
            outcome["no_route"] += 1
        else:
            outcome["routed_from_hub" if "hub" in (start[1], end[1]) else "routed_own_towns"] += 1
    total = len(pairs)
    return {"pairs": total, **{k: round(v / total, 4) for k, v in sorted(outcome.items())}}


def bench_placement(listings: int = 20_000, pairs: int = 3_000, seed: int = 42) -> dict[str, Any]:
    """Shares of each outcome under both rules, for all pairs and for pairs inside the five countries."""
    sampled = _pairs(listings, pairs, seed)
    inside = [(o, d) for o, d in sampled if o["country"] in FIVE and d["country"] in FIVE]
    router = Router(load_network())
    return {
        name: {"all": _count(rule, sampled, router), "five_countries": _count(rule, inside, router)}
        for name, rule in _rules().items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    result = bench_placement(args.listings, args.pairs, args.seed)
    for scope in ("all", "five_countries"):
        before, after = result["before"][scope], result["after"][scope]
        print(f"{scope} ({before['pairs']:,} offer-demand pairs):")
        for key in ("routed_own_towns", "routed_from_hub", "route_unknown", "no_route", "same_place"):
            was, now = 100 * before.get(key, 0), 100 * after.get(key, 0)
            print(f"  {key:<17} before {was:5.1f} %   after {now:5.1f} %")


if __name__ == "__main__":
    main()
