"""Routes and border crossings over HTTP, with statuses kept in PostgreSQL."""

from __future__ import annotations

import httpx
import pytest


async def test_kostanai_to_dushanbe_by_name_in_any_language(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/routes", params={"from": "Костанай", "to": "Dushanbe"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["origin"]["country"] == "KZ" and body["destination"]["country"] == "TJ"
    assert body["origin"]["matched"].startswith("name")
    routes = body["routes"]
    assert 2 <= len(routes) <= 3
    transit = [tuple(r["countries"][1:-1]) for r in routes]
    assert ("UZ",) in transit and ("KG",) in transit  # KZ and TJ share no border
    for route in routes:
        assert len(route["crossings"]) == 2
        assert route["km"] > 2000 and route["days"] > 1
        assert route["hours"] == pytest.approx(
            route["road_hours"] + route["rail_hours"] + route["clearance_hours"] + route["transfer_hours"],
            abs=0.05,
        )
        assert route["legs"][0]["from"] == body["origin"]["id"]
        assert route["legs"][-1]["to"] == body["destination"]["id"]


async def test_namangan_to_karaganda_runs_from_towns_off_the_network_over_real_crossings(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/routes", params={"from": "Наманган", "to": "Karaganda"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["origin"]["id"], body["destination"]["id"]) == ("UZNMA", "KZKGF")
    crossings = {c["id"]: c for c in (await client.get("/v1/border-crossings")).json()}
    fastest = body["routes"][0]
    assert fastest["countries"] == ["UZ", "KZ"]
    for passed in fastest["crossings"]:
        assert set(crossings[passed["id"]]["countries"]) == {"UZ", "KZ"}
    first, last = fastest["legs"][0], fastest["legs"][-1]
    assert first["from"] == "UZNMA" and first["estimate"] and first["mode"] == "road"
    assert last["to"] == "KZKGF" and fastest["estimate"]


@pytest.mark.parametrize(
    ("value", "place_id", "matched"),
    [
        ("Коканд", "UZKOK", "name"),
        ("Қўқон", "UZKOK", "transliteration"),
        ("X-KZ-KOSTANAI", "KZKSN", "old_id"),
        ("Frunze", "KGFRU", "former_name"),
        ("X-KZ-KHORGOS-GATEWAY", "X-KZ-KHORGOS-GATEWAY", "id"),
    ],
)
async def test_route_places_in_any_spelling_and_by_old_ids(
    client: httpx.AsyncClient, value: str, place_id: str, matched: str
) -> None:
    body = (await client.get("/v1/routes", params={"from": value, "to": "Almaty"})).json()
    assert (body["origin"]["id"], body["origin"]["matched"]) == (place_id, matched)
    assert body["routes"] and body["routes"][0]["legs"][0]["from"] == place_id


async def test_k_and_mode(client: httpx.AsyncClient) -> None:
    one = (await client.get("/v1/routes", params={"from": "Kostanai", "to": "Dushanbe", "k": 1})).json()
    assert len(one["routes"]) == 1
    rail = (
        await client.get("/v1/routes", params={"from": "Tashkent", "to": "Shymkent", "mode": "rail"})
    ).json()
    assert rail["modes"] == ["rail"]
    assert all(leg["mode"] == "rail" for route in rail["routes"] for leg in route["legs"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "Atlantis", "to": "Dushanbe"}, "from"),
        ({"from": "kz-uz-zhibek-zholy", "to": "Dushanbe"}, "from"),
        ({"from": "Tashkent", "to": "Omsk"}, "to"),  # no hub within reach of a first or last mile
        ({"from": "Tashkent", "to": "Тошкент"}, "to"),
        ({"from": "Tashkent", "to": "Almaty", "k": "11"}, "k"),
        ({"from": "Tashkent", "to": "Almaty", "k": "0"}, "k"),
        ({"from": "Tashkent", "to": "Almaty", "mode": "sea"}, "mode"),
        ({"to": "Almaty"}, "from"),
    ],
)
async def test_bad_route_requests(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/v1/routes", params=params)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_closing_a_crossing_reroutes_at_once(
    client: httpx.AsyncClient, admin: dict[str, str], make_org, app
) -> None:
    crossings = (await client.get("/v1/border-crossings")).json()
    zhibek = next(c for c in crossings if "Zhibek Zholy" in c["names"].values())
    assert zhibek["status"] == "open" and zhibek["source"]
    before = (
        await client.get("/v1/routes", params={"from": "Shymkent", "to": "Tashkent", "mode": "road"})
    ).json()
    assert before["routes"][0]["crossings"][0]["id"] == zhibek["id"]

    # A Tajik chamber cannot touch a KZ-UZ crossing; an exporter cannot touch any.
    tj_chamber = await make_org(kind="chamber", country="TJ", city="Dushanbe")
    exporter = await make_org()
    patch = {"status": "closed", "note": "closed for works"}
    assert (
        await client.patch(f"/v1/border-crossings/{zhibek['id']}", json=patch, headers=tj_chamber.headers)
    ).status_code == 403
    assert (
        await client.patch(f"/v1/border-crossings/{zhibek['id']}", json=patch, headers=exporter.headers)
    ).status_code == 403
    assert (await client.patch(f"/v1/border-crossings/{zhibek['id']}", json=patch)).status_code == 401
    assert (await client.patch("/v1/border-crossings/nowhere", json=patch, headers=admin)).status_code == 404
    bad = await client.patch(f"/v1/border-crossings/{zhibek['id']}", json={"status": "shut"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"

    kz_chamber = await make_org(kind="chamber", country="KZ", city="Shymkent")
    try:
        closed = await client.patch(
            f"/v1/border-crossings/{zhibek['id']}", json=patch, headers=kz_chamber.headers
        )
        assert closed.status_code == 200, closed.text
        assert closed.json()["status"] == "closed" and closed.json()["status_updated_at"]
        after = (
            await client.get("/v1/routes", params={"from": "Shymkent", "to": "Tashkent", "mode": "road"})
        ).json()
        used = {x["id"] for route in after["routes"] for x in route["crossings"]}
        assert zhibek["id"] not in used
    finally:
        await app.state.pool.execute(
            "DELETE FROM border_crossing_status WHERE crossing_id = $1", zhibek["id"]
        )
    restored = (
        await client.get("/v1/routes", params={"from": "Shymkent", "to": "Tashkent", "mode": "road"})
    ).json()
    assert restored["routes"][0]["crossings"][0]["id"] == zhibek["id"]
