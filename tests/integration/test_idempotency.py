"""Idempotency-Key on POST: retries replay the first answer; a reused key with another body is 422."""

from __future__ import annotations

import asyncio
import secrets

import httpx

from market.idempotency import SECRET_RESPONSE
from tests.helpers import Org, offer_body


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


def _bearer(secret: str, spelling: str) -> dict[str, str]:
    return {"Authorization": spelling.format(secret), "Idempotency-Key": "one-key-" + secret[-8:]}


async def test_every_spelling_of_a_credential_shares_its_records(
    client: httpx.AsyncClient, make_org, app
) -> None:
    """The scheme is case-insensitive and spaces may vary: one key, one set of records."""
    org = await make_org()
    spellings = ["Bearer {}", "bearer {}", "BEARER {}", "Bearer  {}", " Bearer {} "]
    answers = [
        await client.post("/v1/listings", json=offer_body(), headers=_bearer(org.key, spelling))
        for spelling in spellings
    ]
    assert [a.status_code for a in answers] == [201] * len(spellings)
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert [a.headers.get("idempotent-replayed") for a in answers] == [None] + ["true"] * (len(spellings) - 1)
    assert await _listings(app, org) == 1


async def test_a_revoked_key_gets_401_never_a_replay(
    client: httpx.AsyncClient, make_org, app, admin: dict[str, str]
) -> None:
    org = await make_org()
    issued = await client.post(
        f"/v1/organizations/{org.id}/api-keys", json={"name": "soon revoked"}, headers=admin
    )
    secret, key_id = issued.json()["secret"], issued.json()["id"]
    headers = _bearer(secret, "Bearer {}")
    assert (await client.post("/v1/listings", json=offer_body(), headers=headers)).status_code == 201
    revoked = await client.delete(f"/v1/organizations/{org.id}/api-keys/{key_id}", headers=org.headers)
    assert revoked.status_code == 204
    again = await client.post("/v1/listings", json=offer_body(), headers=headers)
    assert again.status_code == 401 and "idempotent-replayed" not in again.headers
    assert again.headers["content-type"].startswith("application/problem+json")
    assert await _listings(app, org) == 1


async def test_a_webhook_secret_is_never_stored_or_replayed(client: httpx.AsyncClient, make_org, app) -> None:
    org = await make_org()
    headers = _with_key(org)
    body = {"url": f"http://127.0.0.1:9/{secrets.token_hex(4)}", "events": ["match.created"]}
    first = await client.post("/v1/webhooks", json=body, headers=headers)
    again = await client.post("/v1/webhooks", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 409 and "shown once" in again.json()["detail"]
    secret = first.json()["secret"]
    assert secret not in again.text
    stored = await app.state.pool.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE position($1::bytea IN coalesce(body, '')) > 0",
        secret.encode(),
    )
    endpoints = await app.state.pool.fetchval(
        "SELECT count(*) FROM webhook_endpoints WHERE organization_id = $1::uuid", org.id
    )
    assert (stored, endpoints) == (0, 1)


def test_every_response_that_shows_a_secret_is_kept_out_of_the_store(app) -> None:
    """A POST whose 2xx answer has a ``secret`` field must be marked, or its secret would be stored."""
    document = app.openapi_schema.to_schema()
    schemas = document["components"]["schemas"]
    shows_secret = set()
    for path, item in document["paths"].items():
        operation = item.get("post")
        for status, response in (operation or {}).get("responses", {}).items():
            for media in response.get("content", {}).values() if status.startswith("2") else ():
                ref = media["schema"].get("$ref", "")
                if "secret" in schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
                    shows_secret.add(path)
    assert shows_secret >= {"/v1/webhooks", "/v1/organizations/{organization_id}/api-keys"}
    marked = {
        route.path_format
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if "POST" in getattr(handler, "http_methods", ()) and handler.opt.get(SECRET_RESPONSE)
    }
    assert shows_secret <= marked, (
        f"responses with a secret not marked {SECRET_RESPONSE}: {shows_secret - marked}"
    )
