"""Idempotency-Key on POST: retries replay the first answer; a reused key with another body is 422."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from tests.conftest import Org, offer_body


def _with_key(org: Org, key: str | None = None) -> dict[str, str]:
    return {**org.headers, "Idempotency-Key": key or secrets.token_hex(16)}


async def _listings(app, org: Org) -> int:
    return int(
        await app.state.pool.fetchval(
            "SELECT count(*) FROM listings WHERE organization_id = $1::uuid", org.id
        )
    )


async def test_a_retried_post_replays_the_first_response(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    first = await client.post("/v1/listings", json=offer_body(), headers=headers)
    again = await client.post("/v1/listings", json=offer_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await _listings(app, org) == 1


async def test_the_same_key_with_another_body_is_refused(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    assert (await client.post("/v1/listings", json=offer_body(), headers=headers)).status_code == 201
    other = await client.post("/v1/listings", json=offer_body(title="Something else"), headers=headers)
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await _listings(app, org) == 1


async def test_keys_belong_to_one_credential(client: httpx.AsyncClient, make_org, app) -> None:
    a, b = await make_org(), await make_org()
    key = secrets.token_hex(16)
    first = await client.post("/v1/listings", json=offer_body(), headers=_with_key(a, key))
    second = await client.post("/v1/listings", json=offer_body(), headers=_with_key(b, key))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"] and "idempotent-replayed" not in second.headers
    assert await _listings(app, a) == await _listings(app, b) == 1


async def test_a_batch_is_replayed_not_written_twice(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    items = [offer_body(title="Batch plates 1"), offer_body(title="Batch plates 2")]
    first = await client.post("/v1/listings/batch", json=items, headers=headers)
    again = await client.post("/v1/listings/batch", json=items, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await _listings(app, org) == 2


async def test_client_errors_are_replayed_too(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    bad = offer_body(hs_code="000000")
    first = await client.post("/v1/listings", json=bad, headers=headers)
    again = await client.post("/v1/listings", json=bad, headers=headers)
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"


async def test_a_secret_is_never_stored_for_replay(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    first = await client.post(f"/v1/organizations/{org.id}/api-keys", json={"name": "ci"}, headers=headers)
    again = await client.post(f"/v1/organizations/{org.id}/api-keys", json={"name": "ci"}, headers=headers)
    assert first.status_code == 201 and first.json()["secret"].startswith("mk_")
    assert again.status_code == 409 and "shown once" in again.json()["detail"]
    stored = await app.state.pool.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE key = $1 AND body IS NOT NULL",
        headers["Idempotency-Key"],
    )
    keys = await app.state.pool.fetchval(
        "SELECT count(*) FROM api_keys WHERE organization_id = $1::uuid AND name = 'ci'", org.id
    )
    assert (stored, keys) == (0, 1)


async def test_a_key_older_than_a_day_may_be_used_again(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    assert (await client.post("/v1/listings", json=offer_body(), headers=headers)).status_code == 201
    await app.state.pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1",
        headers["Idempotency-Key"],
    )
    later = await client.post("/v1/listings", json=offer_body(title="Next season's plates"), headers=headers)
    assert later.status_code == 201 and "idempotent-replayed" not in later.headers
    assert await _listings(app, org) == 2


async def test_concurrent_retries_write_once(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    answers = await asyncio.gather(
        *(client.post("/v1/listings", json=offer_body(), headers=headers) for _ in range(5))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert await _listings(app, org) == 1


async def test_malformed_keys_are_refused(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    for key in ("x" * 256, "has space", "тест".encode()):
        response = await client.post(
            "/v1/listings", json=offer_body(), headers={**org.headers, "Idempotency-Key": key}
        )
        assert response.status_code == 400, key
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await _listings(app, org) == 0
