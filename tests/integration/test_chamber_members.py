"""A chamber verifies its members, and keys are revoked at once."""

from __future__ import annotations

import httpx

from tests.conftest import Org


async def _member(client: httpx.AsyncClient, chamber: Org) -> dict:
    body = {"name": "Member LLP", "kind": "exporter", "country": "KZ", "city": "Kostanai"}
    created = await client.post("/v1/organizations", json=body, headers=chamber.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_a_chamber_verifies_its_member_and_matching_sees_it(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    other_chamber = await make_org(kind="chamber", country="KZ", city="Almaty")
    member = await _member(client, chamber)
    outsider = await make_org()
    assert (
        await client.post(f"/v1/organizations/{member['id']}/verify", headers=other_chamber.headers)
    ).status_code == 404
    assert (
        await client.post(f"/v1/organizations/{member['id']}/verify", headers=outsider.headers)
    ).status_code == 404
    assert (await client.post(f"/v1/organizations/{member['id']}/verify", headers=admin)).status_code == 403
    assert (await client.post(f"/v1/organizations/{member['id']}/verify")).status_code == 401
    verified = await client.post(f"/v1/organizations/{member['id']}/verify", headers=chamber.headers)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True and verified.json()["member_of"] == chamber.id
    assert (await client.get(f"/v1/organizations/{member['id']}")).json()["verified"] is True


async def test_revoked_keys_stop_working_at_once(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    org = await make_org()
    second = await client.post(f"/v1/organizations/{org.id}/api-keys", json={}, headers=org.headers)
    assert second.status_code == 201
    new_headers = {"Authorization": f"Bearer {second.json()['secret']}"}
    # Rotation: both keys work until the old one is revoked.
    assert (await client.get("/v1/organizations/me", headers=org.headers)).status_code == 200
    assert (await client.get("/v1/organizations/me", headers=new_headers)).status_code == 200
    stranger = await make_org()
    key_id = second.json()["id"]
    assert (
        await client.delete(f"/v1/organizations/{org.id}/api-keys/{key_id}", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/organizations/{org.id}/api-keys/{key_id}", headers=org.headers)
    ).status_code == 204
    assert (await client.get("/v1/organizations/me", headers=new_headers)).status_code == 401
    assert (await client.get("/v1/organizations/me", headers=org.headers)).status_code == 200
    missing = await client.delete(
        f"/v1/organizations/{org.id}/api-keys/00000000-0000-0000-0000-000000000000", headers=admin
    )
    assert missing.status_code == 404
