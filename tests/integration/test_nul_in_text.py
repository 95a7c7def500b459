"""A NUL character (U+0000) in any text is the client's error, named by field, never a 500.

PostgreSQL keeps no NUL in text or JSON: before the schemas refused it, a NUL in a listing's
title, an organization's name or an API key's name reached the database and came back as a 500.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.helpers import FIELD_ERROR_STATUSES, assert_problem, offer_body, snapshot

__all__: list[str] = []

NUL = "plates\x00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"title": NUL}, "title", id="title"),
        pytest.param({"description": NUL}, "description", id="description"),
        pytest.param({"incoterm_place": NUL}, "incoterm_place", id="incoterm-place"),
        pytest.param({"certifications": ["ISO 9001", NUL]}, "certifications.1", id="certification"),
        pytest.param({"origin": {"country": "UZ", "city": NUL}}, "origin.city", id="origin-city"),
    ],
)
async def test_listing_text_with_nul_is_refused(
    client: httpx.AsyncClient, app: Litestar, make_org: Any, changes: dict[str, Any], field: str
) -> None:
    org = await make_org()
    before = await snapshot(app, org.id)
    response = await client.post("/v1/listings", json=offer_body(**changes), headers=org.headers)
    problem = assert_problem(response, FIELD_ERROR_STATUSES, field)
    assert "NUL" in problem["detail"]
    assert await snapshot(app, org.id) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"name": NUL}, "name", id="name"),
        pytest.param({"city": NUL}, "city", id="city"),
        pytest.param({"contact": {"email": "sales\x00@example.uz"}}, "contact.email", id="email"),
        pytest.param({"contact": {"website": "https://example.uz/\x00"}}, "contact.website", id="website"),
    ],
)
async def test_organization_text_with_nul_is_refused(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], changes: dict[str, Any], field: str
) -> None:
    count = "SELECT count(*) FROM organizations"
    before = await app.state.pool.fetchval(count)
    body = {"name": "NUL probe", "kind": "exporter", "country": "UZ", "city": "Tashkent", **changes}
    response = await client.post("/v1/organizations", json=body, headers=admin)
    assert_problem(response, FIELD_ERROR_STATUSES, field)
    assert await app.state.pool.fetchval(count) == before


async def test_api_key_name_with_nul_is_refused(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], make_org: Any
) -> None:
    org = await make_org()
    count = "SELECT count(*) FROM api_keys WHERE organization_id = $1::uuid"
    before = await app.state.pool.fetchval(count, org.id)
    response = await client.post(f"/v1/organizations/{org.id}/api-keys", json={"name": NUL}, headers=admin)
    assert_problem(response, FIELD_ERROR_STATUSES, "name")
    assert await app.state.pool.fetchval(count, org.id) == before


async def test_crossing_note_with_nul_is_refused(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    crossing = (await client.get("/v1/border-crossings")).json()[0]
    response = await client.patch(
        f"/v1/border-crossings/{crossing['id']}", json={"status": "closed", "note": NUL}, headers=admin
    )
    assert_problem(response, FIELD_ERROR_STATUSES, "note")
    after = next(c for c in (await client.get("/v1/border-crossings")).json() if c["id"] == crossing["id"])
    assert after == crossing


async def test_nul_that_reaches_the_database_is_still_the_clients_error(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    """Text a schema lets through with a NUL (saved-search names, today) is a 4xx, not a 500."""
    org = await make_org(kind="importer")
    body = {"name": NUL, "filters": {"side": "offer"}}
    response = await client.post("/v1/alerts", json=body, headers=org.headers)
    assert_problem(response, FIELD_ERROR_STATUSES)
    stored = "SELECT count(*) FROM alerts WHERE organization_id = $1::uuid"
    assert await app.state.pool.fetchval(stored, org.id) == 0


async def test_search_text_with_nul_is_refused_before_either_search_path(client: httpx.AsyncClient) -> None:
    """A NUL in ``q`` is refused by the parameter's own pattern, before the handler picks Meilisearch
    or the PostgreSQL fallback, so both paths answer the same 400 (the fallback used to pass it to
    PostgreSQL, which refused it, and the answer was a 503)."""
    response = await client.get("/v1/listings", params={"q": NUL})
    assert_problem(response, {400}, "q")
