"""Bad input never gets past the edge: every class of it is a 4xx problem+json that names the
field (or parameter) at fault, and it changes nothing in PostgreSQL or the search outbox."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.conftest import ADMIN_TOKEN
from tests.helpers import (
    FIELD_ERROR_STATUSES,
    assert_problem,
    demand_body,
    letters,
    offer_body,
    snapshot,
    wait_searchable,
)


async def organization_count(app: Litestar) -> int:
    return int(await app.state.pool.fetchval("SELECT count(*) FROM organizations"))


def without(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------------------------
# POST /v1/listings: bodies that fail validation


def _bad_listing_cases() -> list[Any]:
    price = {"amount": "1.80", "currency": "USD", "per": "H87"}
    cases: list[tuple[str, dict[str, Any] | Any, str]] = [
        # shape
        ("unknown-top-level-field", offer_body(bogus="x"), "bogus"),
        (
            "unknown-nested-field",
            offer_body(quantity={"amount": 20000, "unit": "H87", "foo": 1}),
            "quantity.foo",
        ),
        ("title-as-number", offer_body(title=12345), "title"),
        (
            "quantity-amount-as-string",
            offer_body(quantity={"amount": "abc", "unit": "H87"}),
            "quantity.amount",
        ),
        ("target-countries-as-string", offer_body(target_countries="KZ"), "target_countries"),
        ("missing-required-title", without(offer_body(), "title"), "title"),
        # whole values only, in ASCII digits (re.search lets $ match before a final newline)
        ("price-trailing-newline", offer_body(price={**price, "amount": "1.80\n"}), "price.amount"),
        ("price-arabic-indic", offer_body(price={**price, "amount": "\u0661\u0662"}), "price.amount"),
        ("price-fullwidth", offer_body(price={**price, "amount": "\uff11\uff12"}), "price.amount"),
        ("external-ref-trailing-newline", offer_body(external_ref="REF-x\n"), "external_ref"),
        ("hs-trailing-newline", offer_body(hs_code="691200\n"), "hs_code"),
        # HS codes
        ("hs-unknown-999999", offer_body(hs_code="999999"), "hs_code"),
        ("hs-unknown-0000", offer_body(hs_code="0000"), "hs_code"),
        ("hs-unknown-691299", offer_body(hs_code="691299"), "hs_code"),
        ("hs-malformed-2-digits", offer_body(hs_code="69"), "hs_code"),
        ("hs-malformed-letter", offer_body(hs_code="6912a"), "hs_code"),
        ("hs-malformed-5-digits", offer_body(hs_code="69120"), "hs_code"),
        ("hs-as-number", offer_body(hs_code=691200), "hs_code"),
        # countries
        ("origin-country-XX", offer_body(origin={"country": "XX", "city": "Tashkent"}), "origin.country"),
        (
            "destination-country-XX",
            offer_body(destination={"country": "XX", "city": "Almaty"}),
            "destination.country",
        ),
        ("target-country-XX", offer_body(target_countries=["XX"]), "target_countries.0"),
        ("target-country-XX-second", offer_body(target_countries=["KZ", "XX"]), "target_countries.1"),
        (
            "origin-country-lowercase",
            offer_body(origin={"country": "uz", "city": "Tashkent"}),
            "origin.country",
        ),
        ("target-country-lowercase", offer_body(target_countries=["kz"]), "target_countries.0"),
        # currency, units, incoterms
        ("currency-unknown", offer_body(price={**price, "currency": "XYZ"}), "price.currency"),
        ("currency-lowercase", offer_body(price={**price, "currency": "usd"}), "price.currency"),
        (
            "unit-unknown-BOX",
            offer_body(quantity={"amount": 20000, "unit": "BOX"}, min_order=None),
            "quantity.unit",
        ),
        (
            "unit-lowercase-kg",
            offer_body(quantity={"amount": 20000, "unit": "kg"}, min_order=None),
            "quantity.unit",
        ),
        ("price-per-unknown", offer_body(price={**price, "per": "BOX"}), "price.per"),
        ("incoterm-unknown", offer_body(incoterm="ABC"), "incoterm"),
        ("incoterm-lowercase", offer_body(incoterm="dap"), "incoterm"),
        ("incoterm-place-without-incoterm", without(offer_body(), "incoterm"), "incoterm_place"),
        ("incoterm-place-with-null-incoterm", offer_body(incoterm=None), "incoterm_place"),
        # amounts and prices
        (
            "quantity-negative",
            offer_body(quantity={"amount": -5, "unit": "H87"}, min_order=None),
            "quantity.amount",
        ),
        (
            "quantity-zero",
            offer_body(quantity={"amount": 0, "unit": "H87"}, min_order=None),
            "quantity.amount",
        ),
        ("price-zero", offer_body(price={**price, "amount": "0"}), "price.amount"),
        ("price-zero-decimals", offer_body(price={**price, "amount": "0.00"}), "price.amount"),
        ("price-negative", offer_body(price={**price, "amount": "-1"}), "price.amount"),
        ("price-as-float", offer_body(price={**price, "amount": 1.5}), "price.amount"),
        ("price-exponent", offer_body(price={**price, "amount": "1e5"}), "price.amount"),
        ("price-nan", offer_body(price={**price, "amount": "NaN"}), "price.amount"),
        (
            "min-order-above-quantity",
            offer_body(min_order={"amount": 30000, "unit": "H87"}),
            "min_order.amount",
        ),
        ("min-order-other-unit", offer_body(min_order={"amount": 20, "unit": "KGM"}), "min_order.unit"),
        (
            "min-order-on-demand",
            demand_body(min_order={"amount": 10, "unit": "TNE"}),
            "min_order",
        ),
        # dates
        (
            "available-until-before-from",
            offer_body(available_from="2027-06-30", available_until="2027-01-10"),
            "available_until",
        ),
        ("available-from-not-a-date", offer_body(available_from="next week"), "available_from"),
        (
            "expires-at-in-the-past",
            offer_body(expires_at=(_now() - timedelta(days=1)).isoformat()),
            "expires_at",
        ),
        (
            "expires-at-over-365-days",
            offer_body(expires_at=(_now() + timedelta(days=366)).isoformat()),
            "expires_at",
        ),
        (
            "expires-at-without-time-zone",
            offer_body(expires_at=(_now() + timedelta(days=30)).replace(tzinfo=None).isoformat()),
            "expires_at",
        ),
        # required places
        ("offer-without-origin", without(offer_body(), "origin"), "origin"),
        ("offer-with-null-origin", offer_body(origin=None), "origin"),
        ("demand-without-destination", without(demand_body(), "destination"), "destination"),
        # lengths and enums
        ("title-empty", offer_body(title=""), "title"),
        ("title-201-chars", offer_body(title="x" * 201), "title"),
        ("description-5001-chars", offer_body(description="x" * 5001), "description"),
        ("side-unknown", offer_body(side="swap"), "side"),
        ("status-closed-on-create", offer_body(status="closed"), "status"),
        ("transport-mode-unknown", offer_body(transport_modes=["ship"]), "transport_modes.0"),
        ("external-ref-with-space", offer_body(external_ref="has space"), "external_ref"),
        # the body as a whole
        ("body-json-array", [offer_body()], "body"),
        ("body-json-string", "offer", "body"),
    ]
    return [pytest.param(body, field, id=case_id) for case_id, body, field in cases]


@pytest.mark.parametrize(("body", "field"), _bad_listing_cases())
async def test_create_listing_rejects_bad_body(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, body: Any, field: str
) -> None:
    org = await make_org()
    before = await snapshot(app, org.id)
    response = await client.post("/v1/listings", json=body, headers=org.headers)
    assert_problem(response, FIELD_ERROR_STATUSES, field)
    assert await snapshot(app, org.id) == before


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b'{"side": "offer", "title": ', id="truncated"),
        pytest.param(b"side=offer&title=plates", id="form-encoded"),
        pytest.param(b"{'side': 'offer'}", id="single-quotes"),
        pytest.param(b"\xff\xfe\x00", id="binary"),
    ],
)
async def test_create_listing_rejects_body_that_is_not_json(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, raw: bytes
) -> None:
    org = await make_org()
    before = await snapshot(app, org.id)
    response = await client.post(
        "/v1/listings", content=raw, headers={**org.headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400, "body")
    assert await snapshot(app, org.id) == before


async def test_create_listing_rejects_oversize_body(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    """The configured limit is 1 MiB (MARKET_MAX_BODY_BYTES): a bigger body is 413."""
    org = await make_org()
    before = await snapshot(app, org.id)
    body = offer_body(description="x" * (1024 * 1024 + 1024))
    response = await client.post("/v1/listings", json=body, headers=org.headers)
    assert_problem(response, 413)
    assert await snapshot(app, org.id) == before


async def test_duplicate_external_ref_is_a_conflict_only_within_one_org(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    org, other = await make_org(), await make_org()
    ref = f"UZ-CER-{secrets.token_hex(4)}"
    first = await client.post("/v1/listings", json=offer_body(external_ref=ref), headers=org.headers)
    assert first.status_code == 201, first.text

    before = await snapshot(app, org.id)
    again = await client.post(
        "/v1/listings", json=offer_body(external_ref=ref, title="Another plate lot"), headers=org.headers
    )
    assert_problem(again, 409, "external_ref")
    assert ref in again.json()["detail"]
    assert await snapshot(app, org.id) == before

    elsewhere = await client.post("/v1/listings", json=offer_body(external_ref=ref), headers=other.headers)
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["external_ref"] == ref


# --------------------------------------------------------------------------------------------
# PATCH /v1/listings/{id}


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    created = await client.post("/v1/listings", json=offer_body(**overrides), headers=headers)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    return dict(created.json())


async def _assert_unchanged(
    client: httpx.AsyncClient, headers: dict[str, str], listing: dict[str, Any], version: int
) -> None:
    current = await client.get(f"/v1/listings/{listing['id']}", headers=headers)
    assert current.status_code == 200, current.text
    assert current.headers["etag"] == f'"{version}"'
    body = current.json()
    assert body["version"] == version
    for key in ("title", "hs_code", "quantity", "price", "origin", "status", "expires_at", "updated_at"):
        assert body[key] == listing[key], key


async def test_patch_without_if_match_is_428(client: httpx.AsyncClient, app: Litestar, make_org: Any) -> None:
    org = await make_org()
    listing = await _create(client, org.headers)
    before = await snapshot(app, org.id)
    response = await client.patch(
        f"/v1/listings/{listing['id']}", json={"title": "New title"}, headers=org.headers
    )
    assert_problem(response, 428)
    assert await snapshot(app, org.id) == before
    await _assert_unchanged(client, org.headers, listing, 1)


async def test_patch_with_stale_if_match_is_412(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    org = await make_org()
    listing = await _create(client, org.headers)
    first = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"title": "Ceramic plates, second grade"},
        headers={**org.headers, "If-Match": '"1"'},
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"2"'
    updated = first.json()

    before = await snapshot(app, org.id)
    stale = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"title": "Lost update"},
        headers={**org.headers, "If-Match": '"1"'},
    )
    assert_problem(stale, 412)
    assert await snapshot(app, org.id) == before
    await _assert_unchanged(client, org.headers, updated, 2)


def _bad_patch_cases() -> list[Any]:
    price = {"amount": "1.80", "currency": "USD", "per": "H87"}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("unknown-field", {"bogus": 1}, "bogus"),
        ("title-empty", {"title": ""}, "title"),
        ("title-as-number", {"title": 7}, "title"),
        ("hs-unknown", {"hs_code": "0000"}, "hs_code"),
        ("hs-malformed", {"hs_code": "69"}, "hs_code"),
        ("quantity-negative", {"quantity": {"amount": -1, "unit": "H87"}}, "quantity.amount"),
        ("quantity-unit-unknown", {"quantity": {"amount": 20000, "unit": "BOX"}}, "quantity.unit"),
        ("quantity-below-min-order", {"quantity": {"amount": 10, "unit": "H87"}}, "min_order.amount"),
        ("origin-country-XX", {"origin": {"country": "XX", "city": "Tashkent"}}, "origin.country"),
        ("origin-removed-from-offer", {"origin": None}, "origin"),
        ("target-country-lowercase", {"target_countries": ["kz"]}, "target_countries.0"),
        ("price-zero", {"price": {**price, "amount": "0"}}, "price.amount"),
        ("price-as-float", {"price": {**price, "amount": 1.5}}, "price.amount"),
        ("currency-unknown", {"price": {**price, "currency": "XYZ"}}, "price.currency"),
        ("incoterm-unknown", {"incoterm": "ABC"}, "incoterm"),
        ("incoterm-cleared-place-kept", {"incoterm": None}, "incoterm_place"),
        ("available-until-before-from", {"available_until": "2026-12-31"}, "available_until"),
        ("expires-at-in-the-past", {"expires_at": (_now() - timedelta(hours=1)).isoformat()}, "expires_at"),
        (
            "expires-at-over-365-days",
            {"expires_at": (_now() + timedelta(days=400)).isoformat()},
            "expires_at",
        ),
        (
            "expires-at-without-time-zone",
            {"expires_at": (_now() + timedelta(days=10)).replace(tzinfo=None).isoformat()},
            "expires_at",
        ),
        ("status-closed", {"status": "closed"}, "status"),
        ("status-expired", {"status": "expired"}, "status"),
    ]
    return [pytest.param(patch, field, id=case_id) for case_id, patch, field in cases]


@pytest.mark.parametrize(("patch", "field"), _bad_patch_cases())
async def test_patch_rejects_bad_values_and_leaves_listing_alone(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, patch: dict[str, Any], field: str
) -> None:
    org = await make_org()
    listing = await _create(client, org.headers)
    before = await snapshot(app, org.id)
    response = await client.patch(
        f"/v1/listings/{listing['id']}", json=patch, headers={**org.headers, "If-Match": '"1"'}
    )
    assert_problem(response, FIELD_ERROR_STATUSES, field)
    assert await snapshot(app, org.id) == before
    await _assert_unchanged(client, org.headers, listing, 1)


@pytest.mark.parametrize("if_match", ['"2"', "*"], ids=["current-etag", "wildcard"])
async def test_patch_of_closed_listing_is_409(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, if_match: str
) -> None:
    org = await make_org()
    listing = await _create(client, org.headers)
    closed = await client.delete(f"/v1/listings/{listing['id']}", headers=org.headers)
    assert closed.status_code == 204, closed.text
    now_closed = await client.get(f"/v1/listings/{listing['id']}", headers=org.headers)
    assert now_closed.status_code == 200, now_closed.text
    assert now_closed.json()["status"] == "closed"
    assert now_closed.headers["etag"] == '"2"'

    before = await snapshot(app, org.id)
    response = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"status": "active"},
        headers={**org.headers, "If-Match": if_match},
    )
    assert_problem(response, 409)
    assert await snapshot(app, org.id) == before
    await _assert_unchanged(client, org.headers, now_closed.json(), 2)


# --------------------------------------------------------------------------------------------
# GET /v1/listings: search parameters


def _bad_search_cases() -> list[Any]:
    cases: list[tuple[str, dict[str, str], str]] = [
        ("limit-0", {"limit": "0"}, "limit"),
        ("limit-101", {"limit": "101"}, "limit"),
        ("limit-abc", {"limit": "abc"}, "limit"),
        ("limit-float", {"limit": "1.5"}, "limit"),
        ("offset-negative", {"offset": "-1"}, "offset"),
        ("offset-10000", {"offset": "10000"}, "offset"),
        ("side-foo", {"side": "foo"}, "side"),
        ("side-uppercase", {"side": "OFFER"}, "side"),
        ("hs-1-digit", {"hs_code": "6"}, "hs_code"),
        ("hs-3-digits", {"hs_code": "691"}, "hs_code"),
        ("hs-letters", {"hs_code": "abcd"}, "hs_code"),
        ("hs-8-digits", {"hs_code": "69120010"}, "hs_code"),
        ("origin-alpha-3", {"origin_country": "uzb"}, "origin_country"),
        ("origin-lowercase", {"origin_country": "uz"}, "origin_country"),
        ("destination-alpha-3", {"destination_country": "KAZ"}, "destination_country"),
        ("destination-lowercase", {"destination_country": "kz"}, "destination_country"),
        ("incoterm-lowercase", {"incoterm": "dap"}, "incoterm"),
        ("transport-ship", {"transport_mode": "ship"}, "transport_mode"),
        ("sort-foo", {"sort": "foo"}, "sort"),
        ("sort-attribute-name", {"sort": "price_amount:asc"}, "sort"),
        ("q-201-chars", {"q": "x" * 201}, "q"),
        ("near-abc", {"near": "abc"}, "near"),
        ("near-2-parts", {"near": "1,2"}, "near"),
        ("near-4-parts", {"near": "1,2,3,4"}, "near"),
        ("near-lat-91", {"near": "91,0,10"}, "near"),
        ("near-lon-181", {"near": "0,181,10"}, "near"),
        ("near-radius-0", {"near": "0,0,0"}, "near"),
        ("near-radius-negative", {"near": "0,0,-5"}, "near"),
        ("near-radius-99999", {"near": "0,0,99999"}, "near"),
        ("near-lat-nan", {"near": "nan,0,10"}, "near"),
        ("near-lat-inf", {"near": "inf,0,10"}, "near"),
        ("near-lon-nan", {"near": "0,nan,10"}, "near"),
        ("near-radius-nan", {"near": "0,0,nan"}, "near"),
        ("near-radius-inf", {"near": "0,0,inf"}, "near"),
        ("near-empty-parts", {"near": ",,"}, "near"),
        ("near-too-long", {"near": "1" * 65}, "near"),
    ]
    return [pytest.param(params, field, id=case_id) for case_id, params, field in cases]


@pytest.mark.parametrize(("params", "field"), _bad_search_cases())
async def test_search_rejects_bad_parameters(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/listings", params=params)
    assert_problem(response, FIELD_ERROR_STATUSES, field)


# --------------------------------------------------------------------------------------------
# Filter injection through the typed search parameters


@dataclass(frozen=True)
class SearchData:
    word: str
    offer_id: str
    demand_id: str
    draft_id: str


@pytest.fixture(scope="module")
async def search_data(client: httpx.AsyncClient) -> AsyncIterator[SearchData]:
    """An offer, a demand and a draft sharing one unique word, the first two searchable."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    created = await client.post(
        "/v1/organizations",
        json={
            "name": f"Injection probe {secrets.token_hex(3)}",
            "kind": "trader",
            "country": "UZ",
            "city": "Tashkent",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    org_id = created.json()["id"]
    key = await client.post(f"/v1/organizations/{org_id}/api-keys", json={}, headers=admin)
    assert key.status_code == 201, key.text
    headers = {"Authorization": f"Bearer {key.json()['secret']}"}
    word = letters()

    async def post(body: dict[str, Any]) -> str:
        response = await client.post("/v1/listings", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    offer_id = await post(offer_body(title=f"Glazed plates {word}"))
    demand_id = await post(demand_body(title=f"Wheat flour {word}"))
    draft_id = await post(offer_body(title=f"Unpublished plates {word}", status="draft"))
    await wait_searchable(client, {"q": word}, offer_id)
    await wait_searchable(client, {"q": word}, demand_id)
    yield SearchData(word=word, offer_id=offer_id, demand_id=demand_id, draft_id=draft_id)


INJECTIONS: list[tuple[str, str]] = [
    ("or-side-demand", 'UZ" OR side = "demand'),
    ("or-status-draft", 'offer" OR status = "draft'),
    ("lone-escaped-quote", '\\"'),
    ("trailing-backslash", "KZ\\"),
    ("or-1-eq-1", '" OR 1=1'),
    ("close-paren-or", 'UZ") OR ("1" = "1'),
    ("single-quote-or", "UZ' OR '1'='1"),
    ("unquoted-or", "UZ OR side = demand"),
    ("escaped-quote-or", 'UZ\\" OR side = \\"demand'),
    ("exists-clause", 'UZ" OR status EXISTS OR side = "x'),
    ("in-list", 'UZ", "KZ'),
    ("newline", 'UZ"\nOR side = "demand'),
    ("nul-byte", 'UZ\x00" OR side = "demand'),
    ("valid-prefix-and-clause", '691200" AND side != "x'),
]

FILTER_PARAMS = ["origin_country", "destination_country", "incoterm", "hs_code", "side", "transport_mode"]


def _satisfies(hit: dict[str, Any], param: str, value: str) -> bool:
    """Whether a hit honestly matches ``param = value`` taken literally."""
    if param == "origin_country":
        return bool(hit["origin"]) and hit["origin"]["country"] == value
    if param == "destination_country":
        return bool(hit["destination"]) and hit["destination"]["country"] == value
    if param == "incoterm":
        return bool(hit["incoterm"] == value)
    if param == "hs_code":
        return bool(hit["hs_code"].startswith(value))
    if param == "side":
        return bool(hit["side"] == value)
    if param == "transport_mode":
        return value in hit["transport_modes"]
    raise AssertionError(param)


@pytest.mark.parametrize(
    ("param", "value"),
    [pytest.param(p, v, id=f"{p}-{name}") for p in FILTER_PARAMS for name, v in INJECTIONS],
)
async def test_filter_injection_is_rejected_or_taken_literally(
    client: httpx.AsyncClient, search_data: SearchData, param: str, value: str
) -> None:
    for extra in ({}, {"q": search_data.word}):
        response = await client.get("/v1/listings", params={**extra, param: value})
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert_problem(response, response.status_code, param)
            continue
        body = response.json()
        leaked = [hit["id"] for hit in body["hits"] if not _satisfies(hit, param, value)]
        assert not leaked, f"{param}={value!r} matched listings that do not satisfy it: {leaked}"
        assert body["estimated_total"] == len(body["hits"]) == 0, body


async def test_honest_filters_find_the_probe_listings(
    client: httpx.AsyncClient, search_data: SearchData
) -> None:
    """The data the injection cases would leak is really there."""
    for params, expected in (
        ({"origin_country": "UZ"}, search_data.offer_id),
        ({"side": "demand"}, search_data.demand_id),
        ({"transport_mode": "rail"}, search_data.demand_id),
        ({"hs_code": "6912"}, search_data.offer_id),
    ):
        response = await client.get("/v1/listings", params={"q": search_data.word, **params})
        assert response.status_code == 200, response.text
        ids = [hit["id"] for hit in response.json()["hits"]]
        assert ids == [expected], (params, ids)


@pytest.mark.parametrize(
    "q",
    [
        'side = "offer" OR status = "draft"',
        'status = "draft"',
        '") OR status = "draft" OR ("',
        "status:draft",
    ],
    ids=["or-status-draft", "status-draft", "paren-escape", "colon-syntax"],
)
async def test_filter_syntax_in_q_does_not_change_filtering(
    client: httpx.AsyncClient, search_data: SearchData, q: str
) -> None:
    plain = await client.get("/v1/listings", params={"q": search_data.word})
    assert plain.status_code == 200, plain.text
    assert {hit["id"] for hit in plain.json()["hits"]} == {search_data.offer_id, search_data.demand_id}

    for text in (f"{search_data.word} {q}", q):
        response = await client.get("/v1/listings", params={"q": text})
        assert response.status_code == 200, response.text
        ids = {hit["id"] for hit in response.json()["hits"]}
        assert search_data.draft_id not in ids, text
    with_side = await client.get("/v1/listings", params={"q": f"{search_data.word} {q}", "side": "demand"})
    assert with_side.status_code == 200, with_side.text
    assert all(hit["side"] == "demand" for hit in with_side.json()["hits"]), with_side.text


# --------------------------------------------------------------------------------------------
# GET /v1/commodities


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({}, "q", id="q-missing"),
        pytest.param({"q": ""}, "q", id="q-empty"),
        pytest.param({"q": "x" * 201}, "q", id="q-201-chars"),
        pytest.param({"q": "ceramic", "limit": "0"}, "limit", id="limit-0"),
        pytest.param({"q": "ceramic", "limit": "51"}, "limit", id="limit-51"),
        pytest.param({"q": "ceramic", "limit": "ten"}, "limit", id="limit-text"),
    ],
)
async def test_commodity_suggestions_reject_bad_parameters(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/commodities", params=params)
    assert_problem(response, FIELD_ERROR_STATUSES, field)


@pytest.mark.parametrize("code", ["999999", "691299", "0000", "00"], ids=lambda c: f"unknown-{c}")
async def test_unknown_commodity_is_404(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await client.get(f"/v1/commodities/{code}"), 404)


@pytest.mark.parametrize("code", ["abc", "691", "6912001", "69a2"], ids=lambda c: f"malformed-{c}")
async def test_malformed_commodity_code_is_400(client: httpx.AsyncClient, code: str) -> None:
    assert_problem(await client.get(f"/v1/commodities/{code}"), 400, "code")


# --------------------------------------------------------------------------------------------
# POST /v1/organizations


def _org(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Bad input org {secrets.token_hex(3)}",
        "kind": "exporter",
        "country": "UZ",
        "city": "Tashkent",
        "contact": {"email": "sales@example.uz"},
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(_org(kind="bank"), "kind", id="kind-unknown"),
        pytest.param(_org(country="XX"), "country", id="country-XX"),
        pytest.param(_org(country="uz"), "country", id="country-lowercase"),
        pytest.param(_org(contact={"email": "not-an-email"}), "contact.email", id="email-bad"),
        pytest.param(_org(contact={"email": "a@b@example.uz"}), "contact.email", id="email-two-at"),
        pytest.param(_org(contact={"fax": "123"}), "contact.fax", id="contact-unknown-field"),
        pytest.param(_org(website="https://example.uz"), "website", id="unknown-field"),
        pytest.param(without(_org(), "name"), "name", id="name-missing"),
        pytest.param(_org(name=""), "name", id="name-empty"),
        pytest.param(_org(city=""), "city", id="city-empty"),
    ],
)
async def test_create_organization_rejects_bad_body(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    before = await organization_count(app)
    response = await client.post("/v1/organizations", json=body, headers=admin)
    assert_problem(response, FIELD_ERROR_STATUSES, field)
    assert await organization_count(app) == before


# --------------------------------------------------------------------------------------------
# Authentication


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer mk_nope"}, id="wrong-key"),
        pytest.param({"Authorization": "Token abc"}, id="wrong-scheme"),
        pytest.param({"Authorization": "Bearer"}, id="bearer-without-token"),
        pytest.param({"Authorization": "Bearer not-the-admin-token"}, id="wrong-admin-token"),
        pytest.param({"Authorization": f"Bearer {ADMIN_TOKEN}x"}, id="admin-token-plus-one"),
    ],
)
async def test_post_listing_without_a_valid_key_is_401(
    client: httpx.AsyncClient, app: Litestar, headers: dict[str, str]
) -> None:
    before = await app.state.pool.fetchval("SELECT count(*) FROM listings")
    response = await client.post("/v1/listings", json=offer_body(), headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert await app.state.pool.fetchval("SELECT count(*) FROM listings") == before


@pytest.mark.parametrize(
    "authorization",
    ["Bearer mk_nope", "Token abc", "Basic dXNlcjpwYXNz"],
    ids=["wrong-key", "wrong-scheme", "basic-auth"],
)
async def test_wrong_key_on_public_search_is_401_not_anonymous(
    client: httpx.AsyncClient, authorization: str
) -> None:
    anonymous = await client.get("/v1/listings", params={"q": "plates"})
    assert anonymous.status_code == 200, anonymous.text
    response = await client.get(
        "/v1/listings", params={"q": "plates"}, headers={"Authorization": authorization}
    )
    assert_problem(response, 401)
    assert "www-authenticate" in response.headers
