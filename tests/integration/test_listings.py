"""Listings: create, read, change with If-Match, close; what the owner and others see."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import demand_body, offer_body, wait_searchable


async def test_create_returns_the_full_listing(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org(country="UZ", city="Tashkent")
    response = await client.post(
        "/v1/listings", json=offer_body(external_ref="UZ-CER-1"), headers=org.headers
    )
    assert response.status_code == 201, response.text
    listing = response.json()
    assert listing["status"] == "active"
    assert listing["version"] == 1
    assert response.headers["etag"] == '"1"'
    assert listing["hs_description"].startswith("Ceramic tableware")
    assert listing["organization"] == {
        "id": org.id,
        "name": org.data["name"],
        "kind": "exporter",
        "country": "UZ",
        "verified": False,
    }
    assert listing["origin"] == {
        "country": "UZ",
        "city": "Tashkent",
        "place_id": "UZTAS",
        "resolved_by": "name",
        "place": {"names": {"en": "Tashkent", "ru": "Ташкент"}, "lat": 41.26465, "lon": 69.21627},
    }
    assert listing["price"] == {"amount": "1.80", "currency": "USD", "per": "H87"}
    assert listing["external_ref"] == "UZ-CER-1"
    assert listing["created_at"] == listing["updated_at"]
    # default lifetime is 90 days
    days = (
        __import__("datetime").datetime.fromisoformat(listing["expires_at"])
        - __import__("datetime").datetime.fromisoformat(listing["created_at"])
    ).days
    assert 89 <= days <= 90


async def test_get_has_etag_and_hides_external_ref_from_others(client: httpx.AsyncClient, make_org) -> None:
    owner, other = await make_org(), await make_org(kind="importer", country="KZ", city="Almaty")
    created = (
        await client.post("/v1/listings", json=offer_body(external_ref="R-1"), headers=owner.headers)
    ).json()
    mine = await client.get(f"/v1/listings/{created['id']}", headers=owner.headers)
    theirs = await client.get(f"/v1/listings/{created['id']}", headers=other.headers)
    anonymous = await client.get(f"/v1/listings/{created['id']}")
    assert mine.status_code == theirs.status_code == anonymous.status_code == 200
    assert mine.headers["etag"] == theirs.headers["etag"] == '"1"'
    assert mine.json()["external_ref"] == "R-1"
    assert "external_ref" not in theirs.json()
    assert "external_ref" not in anonymous.json()


async def test_unknown_listing_is_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/listings/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


async def test_patch_with_if_match_bumps_version_and_reindexes(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings", json=offer_body(title="Porcelain cups lot"), headers=org.headers
    )
    listing = created.json()
    await wait_searchable(client, {"q": "Porcelain cups lot"}, listing["id"])
    patched = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"title": "Faience mugs lot", "price": None},
        headers={**org.headers, "If-Match": created.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["version"] == 2 and patched.headers["etag"] == '"2"'
    assert body["title"] == "Faience mugs lot"
    assert body["price"] is None
    assert body["quantity"] == listing["quantity"]  # untouched fields stay
    await wait_searchable(client, {"q": "Faience mugs"}, listing["id"])
    stale = await client.patch(
        f"/v1/listings/{listing['id']}",
        json={"title": "Another title"},
        headers={**org.headers, "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert (await client.get(f"/v1/listings/{listing['id']}")).json()["title"] == "Faience mugs lot"


async def test_pause_hides_from_search_and_resume_shows_again(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings", json=offer_body(title="Glazed bowls Rishtan"), headers=org.headers
    )
    listing_id = created.json()["id"]
    await wait_searchable(client, {"q": "Glazed bowls Rishtan"}, listing_id)
    paused = await client.patch(
        f"/v1/listings/{listing_id}", json={"status": "paused"}, headers={**org.headers, "If-Match": '"1"'}
    )
    assert paused.json()["status"] == "paused"
    await wait_searchable(client, {"q": "Glazed bowls Rishtan"}, listing_id, present=False)
    resumed = await client.patch(
        f"/v1/listings/{listing_id}", json={"status": "active"}, headers={**org.headers, "If-Match": '"2"'}
    )
    assert resumed.json()["status"] == "active"
    await wait_searchable(client, {"q": "Glazed bowls Rishtan"}, listing_id)


async def test_delete_closes_and_removes_from_search(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    created = await client.post(
        "/v1/listings", json=offer_body(title="Terracotta tiles closing"), headers=org.headers
    )
    listing_id = created.json()["id"]
    await wait_searchable(client, {"q": "Terracotta tiles closing"}, listing_id)
    closed = await client.delete(f"/v1/listings/{listing_id}", headers=org.headers)
    assert closed.status_code == 204
    after = await client.get(f"/v1/listings/{listing_id}")
    assert after.json()["status"] == "closed"
    assert after.json()["version"] == 2
    await wait_searchable(client, {"q": "Terracotta tiles closing"}, listing_id, present=False)
    again = await client.delete(f"/v1/listings/{listing_id}", headers=org.headers)
    assert again.status_code == 204  # closing is idempotent
    assert (await client.get(f"/v1/listings/{listing_id}")).json()["version"] == 2


async def test_drafts_are_private_and_not_searchable(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org()
    other = await make_org(kind="importer")
    draft = await client.post(
        "/v1/listings", json=offer_body(title="Draft kaolin clay", status="draft"), headers=org.headers
    )
    assert draft.status_code == 201
    draft_id = draft.json()["id"]
    active = await client.post(
        "/v1/listings", json=offer_body(title="Active kaolin clay"), headers=org.headers
    )
    await wait_searchable(client, {"q": "kaolin clay"}, active.json()["id"])
    found = (await client.get("/v1/listings", params={"q": "kaolin clay"})).json()
    assert draft_id not in {hit["id"] for hit in found["hits"]}
    assert (await client.get(f"/v1/listings/{draft_id}", headers=other.headers)).status_code == 404
    assert (await client.get(f"/v1/listings/{draft_id}")).status_code == 404
    assert (await client.get(f"/v1/listings/{draft_id}", headers=org.headers)).status_code == 200


async def test_demand_in_russian_is_found_by_russian_word(client: httpx.AsyncClient, make_org) -> None:
    org = await make_org(kind="importer", country="UZ", city="Samarkand")
    created = await client.post("/v1/listings", json=demand_body(), headers=org.headers)
    assert created.status_code == 201, created.text
    listing = created.json()
    assert listing["destination"]["place_id"] is not None
    await wait_searchable(client, {"q": "мука", "side": "demand"}, listing["id"])
    # typo tolerance: one letter off still finds it
    await wait_searchable(client, {"q": "пшиничная", "side": "demand"}, listing["id"])


async def test_a_town_resolves_by_name_by_id_or_by_its_coordinates(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    by_name = await client.post(
        "/v1/listings", json=offer_body(origin={"country": "UZ", "city": "Чирчик"}), headers=org.headers
    )
    assert by_name.status_code == 201, by_name.text
    origin = by_name.json()["origin"]
    assert origin["resolved_by"] == "name" and origin["place"]["names"]["en"] == "Chirchiq"
    stored = await app.state.pool.fetchrow(
        "SELECT geo_lat, geo_lon FROM listings WHERE id = $1::uuid", by_name.json()["id"]
    )
    assert (stored["geo_lat"], stored["geo_lon"]) == (origin["place"]["lat"], origin["place"]["lon"])

    by_id = await client.post(
        "/v1/listings", json=offer_body(origin={"country": "UZ", "place_id": "uzkok"}), headers=org.headers
    )
    assert by_id.status_code == 201, by_id.text
    assert by_id.json()["origin"]["place_id"] == "UZKOK" and by_id.json()["origin"]["resolved_by"] == "id"
    old_id = offer_body(origin={"country": "TJ", "place_id": "X-TJ-DUSHANBE"})
    moved = (await client.post("/v1/listings", json=old_id, headers=org.headers)).json()["origin"]
    assert moved["place_id"] == "TJDYU" and moved["resolved_by"] == "old_id"

    made_up = {"country": "UZ", "city": "Qishloq-7", "lat": 41.47, "lon": 69.58}
    nearest = await client.post("/v1/listings", json=offer_body(origin=made_up), headers=org.headers)
    assert nearest.status_code == 201, nearest.text
    assert nearest.json()["origin"]["resolved_by"] == "nearest"
    assert nearest.json()["origin"]["city"] == "Qishloq-7"  # what the writer gave stays
    # Changing another field keeps the place as resolved, and a given place id stays given.
    for created in (nearest, by_id):
        patched = await client.patch(
            f"/v1/listings/{created.json()['id']}",
            json={"title": "Plates, moved"},
            headers={**org.headers, "If-Match": '"1"'},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["origin"] == created.json()["origin"]


async def test_an_unknown_city_keeps_its_country_and_the_owner_is_offered_names(
    client: httpx.AsyncClient, make_org
) -> None:
    org, other = await make_org(), await make_org()
    body = offer_body(origin={"country": "UZ", "city": "Namangn"})
    created = await client.post("/v1/listings", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    listing = created.json()
    assert listing["origin"] == {"country": "UZ", "city": "Namangn", "resolved_by": "country"}
    [suggestion] = listing["suggested_places"]
    assert suggestion["field"] == "origin" and suggestion["city"] == "Namangn"
    assert suggestion["places"][0]["id"] == "UZNMA"
    public = (await client.get(f"/v1/listings/{listing['id']}", headers=other.headers)).json()
    assert "suggested_places" not in public


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ({"country": "KZ", "place_id": "UZKOK"}, "UZKOK (Qo‘qon) is in UZ, not KZ"),
        ({"country": "UZ", "place_id": "UZZZZ"}, "no place with id 'UZZZZ'"),
    ],
)
async def test_a_place_id_must_exist_in_the_country_given(
    client: httpx.AsyncClient, make_org, app, origin: dict[str, str], message: str
) -> None:
    org = await make_org()
    refused = await client.post("/v1/listings", json=offer_body(origin=origin), headers=org.headers)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "origin.place_id" and message in error["message"]
    written = "SELECT count(*) FROM listings WHERE organization_id = $1::uuid"
    assert await app.state.pool.fetchval(written, org.id) == 0


async def test_patch_names_a_stored_value_that_todays_rules_refuse(
    client: httpx.AsyncClient, make_org, app
) -> None:
    org = await make_org()
    created = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    listing_id = created.json()["id"]
    # Written before the rule existed (or by an import): the reference pattern is ASCII now.
    await app.state.pool.execute(
        "UPDATE listings SET external_ref = 'ТСА-2019-000001' WHERE id = $1::uuid", listing_id
    )
    headers = {**org.headers, "If-Match": "*"}
    refused = await client.patch(f"/v1/listings/{listing_id}", json={"title": "Renamed"}, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "external_ref"
    fixed = await client.patch(
        f"/v1/listings/{listing_id}",
        json={"title": "Renamed", "external_ref": "TSA-2019-000001"},
        headers=headers,
    )
    assert fixed.status_code == 200 and fixed.json()["external_ref"] == "TSA-2019-000001"
