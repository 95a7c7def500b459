"""Synthetic organizations and listings: generated in memory, loaded with COPY, indexed by the outbox.

Rows are built the way the app builds them (``market.listings.service``): the HS description
comes from the nomenclature, places are resolved by the app's own rule (``market.places``), and
the coordinates follow it (where the goods are for an offer, where they are wanted for a demand).
Towns of KZ, UZ, TJ, KG and TM are the gazetteer's, drawn in proportion to their population.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
from meilisearch_python_sdk import AsyncClient

from benchmarks import vocab
from market.code_lookups import hs_entry
from market.geography import place_index
from market.glossary import search_terms
from market.jobs import drain
from market.places import location_doc
from schemas.listings import Place
from search import OutboxIndexer

__all__ = [
    "LISTING_COLUMNS",
    "ORGANIZATION_COLUMNS",
    "City",
    "Generator",
    "Org",
    "copy_rows",
    "index_outbox",
    "listing_body",
]

ORGANIZATION_COLUMNS = (
    "id", "name", "kind", "country", "city", "contact", "member_of", "verified_by", "created_at",
)  # fmt: skip
LISTING_COLUMNS = (
    "id", "organization_id", "side", "status", "title", "description", "hs_code", "hs_description",
    "quantity", "min_order", "price", "incoterm", "incoterm_place", "origin", "destination", "geo_lat",
    "geo_lon", "target_countries", "transport_modes", "available_from", "available_until",
    "certifications", "expires_at", "external_ref", "version", "created_at", "updated_at", "posted_by",
)  # fmt: skip

_json = msgspec.json.Encoder()


def _jsonb(value: Any) -> str | None:
    # COPY goes through asyncpg's binary jsonb codec, which takes JSON text. (The app's pool
    # codec is text-only and refuses binary COPY, so loading uses a plain connection.)
    return None if value is None else _json.encode(value).decode()


@dataclass(frozen=True)
class City:
    country: str
    en: str
    ru: str
    population: int = 1


@dataclass
class Org:
    id: uuid.UUID
    name: str
    kind: str
    country: str
    city: City
    code: str
    refs: int = 0


_PROPER = {"Kazakh", "Chevrolet", "JAC", "Golden", "Devzira", "HDPE", "HRC", "PV", "PE", "SUV"}


def _lower_first(name: str) -> str:
    """``Milling wheat`` -> ``milling wheat`` mid-sentence, but ``Kazakh crude oil`` stays."""
    first = name.split(" ", 1)[0]
    return name if first in _PROPER or first.isupper() else name[:1].lower() + name[1:]


def _cities() -> dict[str, list[City]]:
    """Each country's towns, most populous first: the gazetteer's, and a few outside its area."""
    found: dict[str, list[City]] = {c: [] for c in vocab.COUNTRIES}
    for place in place_index().places:
        if place.country in vocab.GAZETTEER_COUNTRIES:
            names = place.names
            city = City(place.country, names.en, names.ru or names.en, max(place.population, 1))
            found[place.country].append(city)
    for country, extra in vocab.EXTRA_CITIES.items():
        found[country].extend(City(country, en, ru) for en, ru in extra)
    for cities in found.values():
        cities.sort(key=lambda c: -c.population)
    return found


class Generator:
    """Deterministic (seeded) organizations and listings."""

    ORG_COUNTRY_WEIGHTS = {"KZ": 30, "UZ": 28, "TJ": 10, "KG": 12, "TM": 5, "CN": 10, "RU": 5}
    STATUS_WEIGHTS = {"active": 88, "paused": 4, "closed": 3, "draft": 2, "expired": 3}
    INCOTERMS_WEIGHTS = {"EXW": 8, "FCA": 25, "CPT": 20, "CIP": 4, "DAP": 35, "DDP": 5, "FOB": 3}

    def __init__(self, seed: int = 42) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)
        self.today = self.now.date()
        self.cities = _cities()
        self.city_weights = {
            country: list(itertools.accumulate(c.population for c in cities))
            for country, cities in self.cities.items()
        }
        self.products = list(vocab.PRODUCTS)
        self.hs_descriptions: dict[str, str] = {}
        for product in self.products:
            entry = hs_entry(product.hs_code)
            if entry is None:
                raise ValueError(f"HS code {product.hs_code} is not in the nomenclature the app uses")
            self.hs_descriptions[product.hs_code] = entry.description
        self.by_origin: dict[str, list[vocab.Product]] = {}
        for product in self.products:
            for country in product.origins:
                self.by_origin.setdefault(country, []).append(product)
        self.orgs: list[Org] = []
        self.org_weights: list[float] = []
        self._place_cache: dict[tuple[str, str], tuple[dict[str, Any], float | None, float | None]] = {}

    # -- organizations -------------------------------------------------------------------------

    def organizations(self, count: int) -> list[tuple[Any, ...]]:
        """``count`` organizations (chambers first, so others can name them as verifier)."""
        rng = self.rng
        rows: list[tuple[Any, ...]] = []
        chambers: dict[str, list[uuid.UUID]] = {}
        names: set[str] = set()
        for country, n in vocab.CHAMBER_CITIES.items():
            for city in self.cities[country][:n]:
                org = Org(uuid.uuid4(), f"{city.en} Chamber of Commerce", "chamber", country, city, "CH")
                chambers.setdefault(country, []).append(org.id)
                rows.append(self._org_row(org, None, None))
        all_chambers = [c for ids in chambers.values() for c in ids]
        countries = list(self.ORG_COUNTRY_WEIGHTS)
        weights = list(self.ORG_COUNTRY_WEIGHTS.values())
        while len(rows) < count:
            country = rng.choices(countries, weights)[0]
            kind = rng.choices(("exporter", "importer", "trader"), (40, 30, 30))[0]
            city = self._town(country)
            sector_en, sector_ru = rng.choice(vocab.ORG_SECTORS)
            if country in vocab.ORG_RUSSIAN_FORM and rng.random() < 0.25:
                root = rng.choice(vocab.ORG_RUSSIAN_ROOTS)
                name = f"{vocab.ORG_RUSSIAN_FORM[country]} «{root} {sector_ru}»"
            else:
                root = rng.choice(vocab.ORG_ROOTS[country])
                name = f"{root} {sector_en} {vocab.ORG_SUFFIX[country]}"
            if name in names:
                continue
            names.add(name)
            initials = "".join(w[0] for w in name.replace("«", "").split()[:3]).upper()
            # References follow the API's pattern (ASCII), whatever the script of the name.
            code = initials if initials.isascii() and initials.isalnum() else f"ORG{len(self.orgs):04d}"
            org = Org(uuid.uuid4(), name, kind, country, city, code)
            local = chambers.get(country, [])
            member_of = rng.choice(local) if local and rng.random() < 0.5 else None
            verified = rng.random() < 0.6
            verified_by = (rng.choice(local) if local else rng.choice(all_chambers)) if verified else None
            rows.append(self._org_row(org, member_of, verified_by))
            self.orgs.append(org)
            # A few organizations post most of the listings, as on any marketplace.
            self.org_weights.append(min(rng.paretovariate(2.0), 10.0))
        return rows

    def _org_row(
        self, org: Org, member_of: uuid.UUID | None, verified_by: uuid.UUID | None
    ) -> tuple[Any, ...]:
        rng = self.rng
        slug = "".join(ch for ch in org.city.en.lower() if ch.isalpha())
        tld, phone = vocab.EMAIL_TLD[org.country], vocab.PHONE_CODE[org.country]
        contact = {
            "email": f"sales@{slug}-{rng.randrange(100, 999)}.example.{tld}",
            "phone": f"{phone}{rng.randrange(100, 999)} {rng.randrange(10**5, 10**6)}",
        }
        created = self.now - timedelta(days=rng.uniform(200, 900))
        return (
            org.id,
            org.name,
            org.kind,
            org.country,
            org.city.en,
            _jsonb(contact),
            member_of,
            verified_by,
            created,
        )

    # -- listings ------------------------------------------------------------------------------

    def _town(self, country: str) -> City:
        """A town of ``country``, in proportion to its population."""
        return self.rng.choices(self.cities[country], cum_weights=self.city_weights[country])[0]

    def _place(self, city: City, russian: bool) -> tuple[dict[str, Any], float | None, float | None]:
        name = city.ru if russian else city.en
        key = (city.country, name)
        cached = self._place_cache.get(key)
        if cached is None:
            doc = location_doc("origin", Place(country=city.country, city=name))
            assert doc is not None
            place = doc.get("place")
            cached = (doc, place["lat"], place["lon"]) if place else (doc, None, None)
            self._place_cache[key] = cached
        return cached

    def _other_country(self, country: str) -> str:
        return self.rng.choice([c for c in vocab.COUNTRIES if c != country])

    def _price(self, product: vocab.Product, country: str) -> dict[str, Any] | None:
        rng = self.rng
        if rng.random() < 0.1:
            return None
        currency = "USD"
        if country in vocab.LOCAL_CURRENCY and rng.random() < 0.2:
            currency = vocab.LOCAL_CURRENCY[country]
        usd = rng.uniform(*product.price)
        amount = vocab.usd_to(currency, usd)
        return {"amount": f"{amount:.2f}", "currency": currency, "per": product.unit}

    def listing(self, org: Org) -> tuple[Any, ...]:
        rng = self.rng
        if org.kind == "exporter":
            side = "offer" if rng.random() < 0.9 else "demand"
        elif org.kind == "importer":
            side = "demand" if rng.random() < 0.9 else "offer"
        else:
            side = rng.choice(("offer", "demand"))
        home = org.country
        if side == "offer":
            product = rng.choice(self.by_origin.get(home) or self.products)
        else:
            product = rng.choice(self.products)
        russian = rng.random() < 0.4
        home_city = org.city if rng.random() < 0.6 else self._town(home)
        far_country = self._other_country(home)
        far_city = self._town(far_country)
        home_place, home_lat, home_lon = self._place(home_city, russian)
        far_place, far_lat, far_lon = self._place(far_city, russian)
        # An offer has an origin (and often a destination); a demand has a destination. The
        # coordinates are where the goods are (offer) or are wanted (demand), else the other place.
        other = far_place if rng.random() < (0.5 if side == "offer" else 0.4) else None
        origin, destination = (home_place, other) if side == "offer" else (other, home_place)
        geo: tuple[float | None, float | None] = (None, None)
        if home_lat is not None:
            geo = (home_lat, home_lon)
        elif other is not None:
            geo = (far_lat, far_lon)
        title, description = self._texts(side, product, home_city, far_city, russian)
        quantity = float(int(rng.uniform(*product.quantity)) or 1)
        min_order = None
        if side == "offer" and rng.random() < 0.6:
            min_order = {
                "amount": max(1.0, float(int(quantity * rng.uniform(0.01, 0.3)))),
                "unit": product.unit,
            }
        incoterm = None
        incoterm_place = None
        if rng.random() < 0.85:
            incoterm = rng.choices(list(self.INCOTERMS_WEIGHTS), list(self.INCOTERMS_WEIGHTS.values()))[0]
            seller_side = incoterm in ("EXW", "FCA", "FOB")
            seller_city = home_city if side == "offer" else far_city
            buyer_city = far_city if side == "offer" else home_city
            incoterm_place = (seller_city if seller_side else buyer_city).en
        targets = (
            []
            if rng.random() < 0.3
            else rng.sample([c for c in vocab.COUNTRIES if c != home], rng.randint(1, 3))
        )
        modes = rng.sample(product.modes, rng.randint(1, len(product.modes)))
        certs = rng.sample(product.certifications, rng.randint(0, min(2, len(product.certifications))))
        available_from = available_until = None
        if rng.random() < 0.6:
            available_from = self.today + timedelta(days=rng.randint(-30, 60))
            available_until = available_from + timedelta(days=rng.randint(30, 270))
        status = rng.choices(list(self.STATUS_WEIGHTS), list(self.STATUS_WEIGHTS.values()))[0]
        created = self.now - timedelta(days=rng.uniform(0, 180), seconds=rng.uniform(0, 86400))
        version = 1 if rng.random() < 0.8 else rng.randint(2, 4)
        updated = created + timedelta(hours=rng.uniform(0, 48)) if version > 1 else created
        if status == "expired":
            expires = self.now - timedelta(days=rng.uniform(1, 30))
        else:
            expires = self.now + timedelta(days=rng.uniform(1, 300))
        external_ref = None
        if rng.random() < 0.5:
            org.refs += 1
            external_ref = f"{org.code}-{created.year}-{org.refs:06d}"
        return (
            uuid.uuid4(),
            org.id,
            side,
            status,
            title,
            description,
            product.hs_code,
            self.hs_descriptions[product.hs_code],
            _jsonb({"amount": quantity, "unit": product.unit}),
            _jsonb(min_order),
            _jsonb(self._price(product, home)),
            incoterm,
            incoterm_place,
            _jsonb(origin),
            _jsonb(destination),
            geo[0],
            geo[1],
            targets,
            modes,
            available_from,
            available_until,
            certs,
            expires,
            external_ref,
            version,
            created,
            updated,
            org.id,
        )

    def _texts(
        self, side: str, product: vocab.Product, home: City, far: City, russian: bool
    ) -> tuple[str, str]:
        rng = self.rng
        if russian:
            name, spec = rng.choice(product.ru), rng.choice(product.spec_ru)
            country_ru = vocab.COUNTRY_NAMES[far.country][1]
            if side == "offer":
                title = rng.choice(
                    (
                        f"{name}, {spec}, склад: {home.ru}",
                        f"Экспорт: {name}, {spec}",
                        f"{name} {spec} — отгрузка {home.ru}",
                        f"Продаём: {name}, {spec}, поставка: {country_ru}",
                    )
                )
                first = f"Предлагаем: {_lower_first(name)}, {spec}. Отгрузка со склада: {home.ru}."
            else:
                title = rng.choice(
                    (
                        f"Требуется: {name}, {spec}, доставка: {home.ru}",
                        f"Куплю: {name}, {spec}",
                        f"Закупка: {name}, {spec}, поставщики: {country_ru}",
                    )
                )
                first = f"Ищем поставщика: {_lower_first(name)}, {spec}. Доставка: {home.ru}."
            extra = rng.sample(vocab.PACKAGING_RU, 2)
        else:
            name, spec = rng.choice(product.en), rng.choice(product.spec_en)
            country_en = vocab.COUNTRY_NAMES[far.country][0]
            if side == "offer":
                title = rng.choice(
                    (
                        f"{name}, {spec}, from {home.en}",
                        f"{name} {spec} for export to {country_en}",
                        f"{name}, {spec}, ex-warehouse {home.en}",
                        f"Export offer: {name}, {spec}",
                    )
                )
                first = f"We offer {_lower_first(name)}, {spec}, shipped from {home.en}."
            else:
                title = rng.choice(
                    (
                        f"Wanted: {_lower_first(name)}, {spec}, delivery to {home.en}",
                        f"{name} wanted for buyers in {home.en}",
                        f"Buying {_lower_first(name)}, {spec}, suppliers from {country_en}",
                    )
                )
                first = f"We are looking for {_lower_first(name)}, {spec}, delivered to {home.en}."
            extra = rng.sample(vocab.PACKAGING_EN, 2)
        return title[:200], " ".join((first, *extra))

    def listings(self, count: int, chunk: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
        """Listings in chunks; organizations must have been generated first."""
        if not self.orgs:
            raise RuntimeError("generate organizations first")
        made = 0
        while made < count:
            n = min(chunk, count - made)
            picks = self.rng.choices(self.orgs, self.org_weights, k=n)
            yield [self.listing(org) for org in picks]
            made += n


def listing_body(rng: random.Random, title: str | None = None) -> dict[str, Any]:
    """A valid POST /v1/listings body (an offer) with this title (default: the goods' name and
    one of their specifications)."""
    product = rng.choice([p for p in vocab.PRODUCTS if "UZ" in p.origins])
    quantity = float(int(rng.uniform(*product.quantity)) or 1)
    return {
        "side": "offer",
        "title": title or f"{rng.choice(product.en)}, {rng.choice(product.spec_en)}",
        "description": f"We offer {_lower_first(rng.choice(product.en))}, {rng.choice(product.spec_en)}.",
        "hs_code": product.hs_code,
        "quantity": {"amount": quantity, "unit": product.unit},
        "price": {"amount": f"{rng.uniform(*product.price):.2f}", "currency": "USD", "per": product.unit},
        "incoterm": "DAP",
        "incoterm_place": "Almaty",
        "origin": {"country": "UZ", "city": "Tashkent"},
        "destination": {"country": "KZ", "city": "Almaty"},
        "target_countries": ["KZ"],
        "transport_modes": [product.modes[0]],
        "available_from": date.today().isoformat(),
    }


async def copy_rows(
    conn: asyncpg.Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    await conn.copy_records_to_table(table, records=rows, columns=list(columns))


async def index_outbox(
    pool: asyncpg.Pool,
    meili: AsyncClient,
    index_uid: str,
    on_progress: Callable[[int], None],
) -> tuple[int, float]:
    """Run the app's outbox indexer until the outbox is empty; (rows cleared, seconds)."""
    indexer = OutboxIndexer(pool, meili, index_uid, terms_for=search_terms)
    started = time.perf_counter()
    task = asyncio.create_task(drain(indexer))
    async with pool.acquire() as conn:
        total = await conn.fetchval("SELECT count(*) FROM search_outbox")
        while not task.done():
            await asyncio.wait([task], timeout=0.5)
            left = await conn.fetchval("SELECT count(*) FROM search_outbox")
            on_progress(total - left)
    cleared = task.result()
    return cleared, time.perf_counter() - started
