"""A chamber verifies its members, and keys are revoked at once."""

from __future__ import annotations

import httpx

from tests.helpers import add_member, offer_body


async def test_a_chamber_verifies_its_member_and_matching_sees_it(
    client: httpx.AsyncClient, make_org, admin: dict[str, str]
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    other_chamber = await make_org(kind="chamber", country="KZ", city="Almaty")
    member = await add_member(client, chamber)
    outsider = await make_org()
    assert (
        await client.post(f"/v1/organizations/{member['id']}/verify", headers=other_chamber.headers)
    ).status_code == 404
    # An exporter's key lacks members:write: refused before the member is even looked up.
    assert (
        await client.post(f"/v1/organizations/{member['id']}/verify", headers=outsider.headers)
    ).status_code == 403
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


async def test_a_chamber_posts_and_manages_listings_for_its_members(
    client: httpx.AsyncClient, make_org, app
) -> None:
    chamber = await make_org(kind="chamber", country="UZ", city="Tashkent")
    member = await add_member(client, chamber)
    created = await client.post(
        "/v1/listings", json=offer_body(on_behalf_of=member["id"], status="draft"), headers=chamber.headers
    )
    assert created.status_code == 201, created.text
    listing = created.json()
    assert listing["organization"]["id"] == member["id"] and listing["posted_by"] == chamber.id
    # The chamber sees and changes its member's draft; the public does not see it.
    assert (await client.get(f"/v1/listings/{listing['id']}", headers=chamber.headers)).status_code == 200
    assert (await client.get(f"/v1/listings/{listing['id']}")).status_code == 404
    patched = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"status": "active"},
        headers={**chamber.headers, "If-Match": '"1"'},
    )
    assert patched.status_code == 200 and patched.json()["status"] == "active"
    # The same reference in the member's name: PUT replaces the member's listing.
    put = await client.put(
        "/v1/listings/by-ref/M-1", json=offer_body(on_behalf_of=member["id"]), headers=chamber.headers
    )
    again = await client.put(
        "/v1/listings/by-ref/M-1",
        json=offer_body(on_behalf_of=member["id"], title="Plates, second run"),
        headers=chamber.headers,
    )
    assert (put.status_code, again.status_code) == (201, 200) and put.json()["id"] == again.json()["id"]
    assert again.json()["organization"]["id"] == member["id"]
    assert (await client.delete(f"/v1/listings/{listing['id']}", headers=chamber.headers)).status_code == 204


async def test_nobody_posts_for_an_organization_that_is_not_their_member(
    client: httpx.AsyncClient, make_org, app
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Almaty")
    other_chamber = await make_org(kind="chamber", country="KZ", city="Shymkent")
    member = await add_member(client, chamber)
    exporter = await make_org()
    for poster, target in ((other_chamber, member["id"]), (exporter, member["id"]), (chamber, exporter.id)):
        response = await client.post(
            "/v1/listings", json=offer_body(on_behalf_of=target), headers=poster.headers
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "on_behalf_of"
        batch = await client.post(
            "/v1/listings/batch", json=[offer_body(on_behalf_of=target)], headers=poster.headers
        )
        assert batch.json()["results"][0]["errors"][0]["field"] == "on_behalf_of"
    count = await app.state.pool.fetchval(
        "SELECT count(*) FROM listings WHERE organization_id = any($1::uuid[])", [member["id"], exporter.id]
    )
    assert count == 0
    # A member's listing is not another chamber's to change.
    own = await client.post(
        "/v1/listings", json=offer_body(on_behalf_of=member["id"]), headers=chamber.headers
    )
    stranger = await client.patch(
        f"/v1/listings/{own.json()['id']}",
        json={"title": "x"},
        headers={**other_chamber.headers, "If-Match": "*"},
    )
    assert stranger.status_code == 404
