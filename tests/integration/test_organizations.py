"""Organizations and API keys."""

from __future__ import annotations

import hashlib

import httpx


async def test_create_organization_and_key(client: httpx.AsyncClient, admin: dict[str, str], app) -> None:
    body = {
        "name": "Rishtan Ceramics LLC",
        "kind": "exporter",
        "country": "UZ",
        "city": "Fergana",
        "contact": {
            "email": "sales@example.uz",
            "phone": "+998 73 000 00 00",
            "website": "https://example.uz",
        },
    }
    created = await client.post("/v1/organizations", json=body, headers=admin)
    assert created.status_code == 201, created.text
    org = created.json()
    assert org["name"] == body["name"] and org["contact"] == body["contact"]
    assert org["verified"] is False and org["member_of"] is None

    key = await client.post(f"/v1/organizations/{org['id']}/api-keys", json={"name": "erp"}, headers=admin)
    assert key.status_code == 201
    secret = key.json()["secret"]
    assert secret.startswith("mk_") and len(secret) >= 40
    assert key.json()["prefix"] == secret[:11]
    assert key.json()["scopes"] == ["keys:write", "listings:write", "profile:write", "read", "webhooks:write"]
    # stored only as its SHA-256 digest
    row = await app.state.pool.fetchrow(
        "SELECT key_hash, prefix FROM api_keys WHERE id = $1", key.json()["id"]
    )
    assert bytes(row["key_hash"]) == hashlib.sha256(secret.encode()).digest()
    dump = await app.state.pool.fetchval(
        "SELECT row_to_json(k)::text FROM api_keys k WHERE id = $1", key.json()["id"]
    )
    assert secret not in dump

    me = await client.get("/v1/organizations/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["id"] == org["id"]
    assert me.json()["contact"]["email"] == "sales@example.uz"


async def test_chamber_keys_get_members_scope(client: httpx.AsyncClient, make_org) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    me = await client.get("/v1/organizations/me", headers=chamber.headers)
    assert me.json()["kind"] == "chamber"
    key = await client.post(f"/v1/organizations/{chamber.id}/api-keys", json={}, headers=chamber.headers)
    assert key.status_code == 201
    assert {"members:write", "crossings:write"} <= set(key.json()["scopes"])


async def test_contact_is_for_the_organization_and_the_admin_not_for_strangers(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    org = await make_org()
    anonymous = await client.get(f"/v1/organizations/{org.id}")
    assert anonymous.status_code == 200
    assert "contact" not in anonymous.json()
    assert anonymous.json()["name"] == org.data["name"]
    other = await make_org(kind="importer")
    stranger = await client.get(f"/v1/organizations/{org.id}", headers=other.headers)
    assert stranger.status_code == 200 and "contact" not in stranger.json()
    for headers in (org.headers, admin):
        seen = await client.get(f"/v1/organizations/{org.id}", headers=headers)
        assert seen.json()["contact"]["email"] == "trade@example.uz"


async def test_me_needs_a_key(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    assert (await client.get("/v1/organizations/me")).status_code == 401
    assert (await client.get("/v1/organizations/me", headers=admin)).status_code == 403


async def test_unknown_organization_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/organizations/00000000-0000-0000-0000-000000000001")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_organization_changes_its_city_contact_and_language(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    org = await make_org(country="UZ")
    assert org.data["preferred_language"] == "uz"  # from the country
    url = f"/v1/organizations/{org.id}"
    changed = await client.patch(
        url, json={"preferred_language": "ru", "contact": {"email": "new@example.uz"}}, headers=org.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["preferred_language"] == "ru"
    assert changed.json()["contact"] == {"email": "new@example.uz"}
    assert changed.json()["city"] == org.data["city"]  # left out: unchanged
    by_admin = await client.patch(url, json={"city": "Bukhara"}, headers=admin)
    assert by_admin.json()["city"] == "Bukhara" and by_admin.json()["preferred_language"] == "ru"

    stranger = await make_org()
    taken = await client.patch(url, json={"city": "Nowhere"}, headers=stranger.headers)
    assert taken.status_code == 404
    for bad in ({"preferred_language": "de"}, {"name": "Renamed"}, {"city": ""}, {"contact": {"email": "x"}}):
        refused = await client.patch(url, json=bad, headers=org.headers)
        assert refused.status_code == 400, (bad, refused.text)
    seen = (await client.get("/v1/organizations/me", headers=org.headers)).json()
    assert (seen["city"], seen["preferred_language"]) == ("Bukhara", "ru")


async def test_a_chamber_changes_its_members_profile(client: httpx.AsyncClient, make_org) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    member = await client.post(
        "/v1/organizations",
        json={"name": "Kostanai Flour LLP", "kind": "exporter", "country": "KZ", "city": "Kostanai"},
        headers=chamber.headers,
    )
    assert member.json()["preferred_language"] == "kk"
    changed = await client.patch(
        f"/v1/organizations/{member.json()['id']}", json={"preferred_language": "ru"}, headers=chamber.headers
    )
    assert changed.status_code == 200 and changed.json()["preferred_language"] == "ru"
