"""Filter injection, property-based, against the real API and a real Meilisearch.

For every filter parameter of ``GET /v1/listings`` and ``GET /v1/listings/{id}/matches``,
Hypothesis draws valid values, hostile text (quotes, backslashes, OR/AND/NOT/TO/EXISTS, brackets,
control characters, RTL and zero-width marks, emoji, very long strings) and the two glued together.
Each answer is either a 4xx problem+json that names the parameter, or a 200 whose hits are a
subset of what the honest request (the same one without that parameter) returns, each of them
satisfying the parameter taken literally: a filter can never widen the caller's request.
Free text (``q``) is drawn the same way beside four filters, and every hit must still pass them.
Saved searches (``POST /v1/alerts``) take the same filters: a hostile one is refused naming the
field, or stored exactly as sent.

The listings are probes with a word of their own, so the comparison means something in the
shared index. (tests/integration/test_bad_input.py has the same attacks as fixed examples.)
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Set
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ADMIN_TOKEN
from tests.helpers import (
    FIELD_ERROR_STATUSES,
    assert_problem,
    create_organization,
    demand_body,
    letters,
    offer_body,
    wait_searchable,
)
from tests.hostile import hostile_variants

__all__: list[str] = []

# Each example is a few HTTP requests; the fixtures are module-scoped, so nothing leaks between them.
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _organization(client: httpx.AsyncClient, kind: str) -> dict[str, str]:
    return (await create_organization(client, ADMIN_TOKEN, kind)).headers


async def _post(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    response = await client.post("/v1/listings", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def refused_or_narrower(
    response: httpx.Response,
    key: str,
    parameter: str,
    value: str,
    honest: Set[str],
    id_of: Callable[[dict[str, Any]], str],
    fits: Callable[[dict[str, Any], str, str], bool],
) -> list[dict[str, Any]]:
    """The property itself: a 4xx problem+json naming the parameter (no items), or a 200 whose items
    (under ``key``) are all among the honest request's, and each fits the parameter."""
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_problem(response, FIELD_ERROR_STATUSES, parameter)
        return []
    items: list[dict[str, Any]] = response.json()[key]
    widened = {id_of(item) for item in items} - honest
    assert not widened, f"{parameter}={value!r} found what the honest request does not: {widened}"
    misfits = [id_of(item) for item in items if not fits(item, parameter, value)]
    assert not misfits, f"{parameter}={value!r} returned items that do not fit it: {misfits}"
    if parameter == "limit":
        assert len(items) <= msgspec.convert(value, int, strict=False)
    return items


def in_url(valid: list[str]) -> st.SearchStrategy[str]:
    """Hostile variants short enough for a URL (httpx refuses a query over 64 KiB, as servers do)."""
    return hostile_variants(valid).map(lambda value: value[:4000])


# --------------------------------------------------------------------------------------------
# GET /v1/listings


@dataclass(frozen=True)
class Probe:
    word: str
    active: frozenset[str]
    draft: str


@pytest.fixture(scope="module")
async def probe(client: httpx.AsyncClient) -> AsyncIterator[Probe]:
    """Three active listings that differ in every filtered attribute, and a draft, sharing one word."""
    headers = await _organization(client, "trader")
    word = letters()
    coffee = offer_body(
        title=f"Green coffee {word}",
        hs_code="090111",
        incoterm="FCA",
        incoterm_place="Almaty",
        origin={"country": "KZ", "city": "Almaty"},
        destination={"country": "TJ", "city": "Dushanbe"},
        target_countries=["TJ"],
        transport_modes=["rail"],
        min_order=None,
        quantity={"amount": 20, "unit": "TNE"},
        price={"amount": "2500.00", "currency": "USD", "per": "TNE"},
    )
    active = [
        await _post(client, headers, offer_body(title=f"Glazed plates {word}")),
        await _post(client, headers, demand_body(title=f"Wheat flour {word}")),
        await _post(client, headers, coffee),
    ]
    draft = await _post(client, headers, offer_body(title=f"Unpublished plates {word}", status="draft"))
    for listing_id in active:
        await wait_searchable(client, {"q": word}, listing_id)
    yield Probe(word=word, active=frozenset(active), draft=draft)


LISTING_PARAMETERS: dict[str, list[str]] = {
    "q": ["plates", "flour", "coffee", "мука"],
    "side": ["offer", "demand"],
    "hs_code": ["69", "6912", "691200", "11", "1101", "110100", "09", "0901", "090111"],
    "origin_country": ["UZ", "KZ", "TJ"],
    "destination_country": ["UZ", "KZ", "TJ"],
    "incoterm": ["DAP", "FCA", "EXW"],
    "transport_mode": ["road", "rail", "air", "multimodal"],
    "near": ["41.31,69.28,300", "43.24,76.89,50", "38.56,68.78,1000"],
    "sort": ["price", "+price", "-price", "created_at", "+created_at", "-created_at"],
    "limit": ["1", "2", "100"],
    "offset": ["0", "1", "3"],
}


def satisfies(hit: dict[str, Any], parameter: str, value: str) -> bool:
    """Whether a hit honestly fits ``parameter=value`` taken literally (True for the parameters
    that do not filter: the subset check is what holds them)."""
    ends = {"origin_country": hit["origin"], "destination_country": hit["destination"]}
    if parameter in ends:
        return bool(ends[parameter]) and ends[parameter]["country"] == value
    if parameter == "side":
        return bool(hit["side"] == value)
    if parameter == "hs_code":
        return bool(hit["hs_code"].startswith(value))
    if parameter == "incoterm":
        return bool(hit["incoterm"] == value)
    if parameter == "transport_mode":
        return value in hit["transport_modes"]
    return True


async def search_ids(client: httpx.AsyncClient, params: dict[str, str]) -> set[str]:
    response = await client.get("/v1/listings", params=params)
    assert response.status_code == 200, response.text
    return {hit["id"] for hit in response.json()["hits"]}


@pytest.mark.parametrize("parameter", [name for name in LISTING_PARAMETERS if name != "q"])
@EXAMPLES
@given(data=st.data())
async def test_a_search_parameter_never_widens_the_search(
    client: httpx.AsyncClient, probe: Probe, parameter: str, data: st.DataObject
) -> None:
    value = data.draw(in_url(LISTING_PARAMETERS[parameter]), label=parameter)
    honest = {"q": probe.word}
    response = await client.get("/v1/listings", params={**honest, parameter: value})
    hits = refused_or_narrower(
        response, "hits", parameter, value, await search_ids(client, honest), lambda hit: hit["id"], satisfies
    )
    assert probe.draft not in {hit["id"] for hit in hits}


# The filters a plates draft would pass: free text beside them must never reach past them.
PLATES_FILTERS = {"side": "offer", "hs_code": "6912", "origin_country": "UZ", "incoterm": "DAP"}


@EXAMPLES
@given(data=st.data())
async def test_free_text_never_escapes_the_filters(
    client: httpx.AsyncClient, probe: Probe, data: st.DataObject
) -> None:
    """``q`` is ranked text, not a filter: Meilisearch's default matching may drop words of a query
    (the rightmost first, a quoted phrase last), so adding words need not narrow it. What must hold
    is that no text in ``q`` reaches the filter expression: every hit still passes every filter
    beside it, and the probe's draft (which passes them all) never appears."""
    value = data.draw(in_url([*LISTING_PARAMETERS["q"], probe.word]), label="q")
    response = await client.get("/v1/listings", params={**PLATES_FILTERS, "q": value})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert_problem(response, FIELD_ERROR_STATUSES, "q")
        return
    hits = response.json()["hits"]
    misfits = [
        (hit["id"], name)
        for hit in hits
        for name, wanted in PLATES_FILTERS.items()
        if not satisfies(hit, name, wanted)
    ]
    assert not misfits, f"q={value!r} let through hits outside the filters: {misfits}"
    assert probe.draft not in {hit["id"] for hit in hits}


async def test_the_probe_listings_are_all_found(client: httpx.AsyncClient, probe: Probe) -> None:
    """The honest search finds every probe, so "never more than it" is not vacuous."""
    assert await search_ids(client, {"q": probe.word}) == probe.active
    assert await search_ids(client, {"q": probe.word, "hs_code": "0901"}) < probe.active


# --------------------------------------------------------------------------------------------
# GET /v1/listings/{id}/matches


@dataclass(frozen=True)
class MatchProbe:
    listing_id: str
    headers: dict[str, str]
    honest: frozenset[str]
    crossings: tuple[str, ...]


@pytest.fixture(scope="module")
async def match_probe(client: httpx.AsyncClient) -> AsyncIterator[MatchProbe]:
    """A coffee offer from Almaty and demands for it across the region, from another organization."""
    seller, buyer = await _organization(client, "exporter"), await _organization(client, "importer")
    word = letters()
    places = [("UZ", "Tashkent", ["road"]), ("TJ", "Dushanbe", ["rail"]), ("KG", "Bishkek", ["road", "rail"])]
    demands = [
        await _post(
            client,
            buyer,
            demand_body(
                title=f"{word} {city}",
                hs_code="090121",
                destination={"country": country, "city": city},
                target_countries=["KZ"],
                transport_modes=modes,
                quantity={"amount": 10, "unit": "TNE"},
                price={"amount": "2600.00", "currency": "USD", "per": "TNE"},
                incoterm="CPT",
                incoterm_place=city,
            ),
        )
        for country, city, modes in places
    ]
    offer = await _post(
        client,
        seller,
        offer_body(
            title=word,
            hs_code="090111",
            origin={"country": "KZ", "city": "Almaty"},
            destination=None,
            target_countries=[],
            transport_modes=["road", "rail"],
            quantity={"amount": 40, "unit": "TNE"},
            min_order=None,
            price={"amount": "2500.00", "currency": "USD", "per": "TNE"},
            incoterm="FCA",
            incoterm_place="Almaty",
        ),
    )
    for listing_id in demands:
        await wait_searchable(client, {"q": word}, listing_id)
    honest = await client.get(f"/v1/listings/{offer}/matches", params={"limit": "50"}, headers=seller)
    assert honest.status_code == 200, honest.text
    matches = honest.json()["matches"]
    assert {m["listing"]["id"] for m in matches} >= set(demands), honest.text
    crossings = sorted({x for m in matches if m["route"] for x in m["route"]["crossing_ids"]})
    yield MatchProbe(
        listing_id=offer,
        headers=seller,
        honest=frozenset(m["listing"]["id"] for m in matches),
        crossings=tuple(crossings),
    )


def fits_match_filter(match: dict[str, Any], parameter: str, value: str) -> bool:
    """Whether a match fits the filter as the API read it: query values are converted in lax
    mode, so "NULL" is no max_days at all, and "via=" is no via."""
    route = match["route"]
    if parameter == "via":
        return not value or (route is not None and value in route["crossing_ids"])
    if parameter == "mode":
        return route is None or set(route["modes"]) <= {value}
    number = msgspec.convert(value, float | None, strict=False) if parameter in NUMBERS else None
    if parameter == "max_days":
        return number is None or route is None or route["days"] <= number
    if parameter == "min_score":
        return number is not None and match["score"] >= number
    return True


NUMBERS = {"max_days", "min_score"}


MATCH_PARAMETERS: dict[str, list[str]] = {
    "via": ["KZ-UZ-ZHIBEK-ZHOLY", "x"],  # replaced by the probe's real crossings below when it has any
    "mode": ["road", "rail"],
    "max_days": ["0.5", "3", "60"],
    "min_score": ["0", "0.5", "1"],
    "limit": ["1", "2", "50"],
}


@pytest.mark.parametrize("parameter", list(MATCH_PARAMETERS))
@EXAMPLES
@given(data=st.data())
async def test_a_match_filter_never_widens_the_matches(
    client: httpx.AsyncClient, match_probe: MatchProbe, parameter: str, data: st.DataObject
) -> None:
    valid = list(match_probe.crossings or MATCH_PARAMETERS["via"]) if parameter == "via" else None
    value = data.draw(in_url(valid or MATCH_PARAMETERS[parameter]), label=parameter)
    response = await client.get(
        f"/v1/listings/{match_probe.listing_id}/matches",
        params={"limit": "50", parameter: value},
        headers=match_probe.headers,
    )
    refused_or_narrower(
        response,
        "matches",
        parameter,
        value,
        match_probe.honest,
        lambda m: m["listing"]["id"],
        fits_match_filter,
    )


# --------------------------------------------------------------------------------------------
# POST /v1/alerts: saved searches take the same filters

ALERT_FILTERS = {
    name: LISTING_PARAMETERS[name] for name in LISTING_PARAMETERS if name not in ("sort", "limit", "offset")
}


@pytest.fixture(scope="module")
async def alert_owner(client: httpx.AsyncClient) -> dict[str, str]:
    headers = await _organization(client, "importer")
    return headers


@pytest.mark.parametrize("parameter", list(ALERT_FILTERS))
@EXAMPLES
@given(data=st.data())
async def test_a_saved_search_keeps_a_hostile_filter_literal_or_refuses_it(
    client: httpx.AsyncClient, alert_owner: dict[str, str], parameter: str, data: st.DataObject
) -> None:
    value = data.draw(hostile_variants(ALERT_FILTERS[parameter]), label=parameter)
    body = {"name": f"Probe {secrets.token_hex(3)}", "filters": {parameter: value}}
    response = await client.post("/v1/alerts", json=body, headers=alert_owner)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        problem = assert_problem(response, FIELD_ERROR_STATUSES)
        named = {error["field"] for error in problem.get("errors") or []}
        # A blank q leaves no filter at all, which a saved search refuses as a whole.
        assert named & {f"filters.{parameter}", "filters"}, problem
        return
    assert response.status_code == 201, response.text
    alert_id = response.json()["id"]
    try:
        stored = await client.get(f"/v1/alerts/{alert_id}", headers=alert_owner)
        assert stored.status_code == 200, stored.text
        saved = value.strip() if parameter == "q" else value  # q is trimmed, and nothing else
        assert stored.json()["filters"] == {parameter: saved}
    finally:
        await client.delete(f"/v1/alerts/{alert_id}", headers=alert_owner)
