import json
from tests.conftest import offer_body, demand_body


async def test_probe(client, make_org, admin):
    org = await make_org()
    h = org.headers
    cases = {
        "unknown_top": offer_body(bogus=1),
        "unknown_nested": offer_body(quantity={"amount": 1, "unit": "H87", "foo": 1}),
        "missing_title": {k: v for k, v in offer_body().items() if k != "title"},
        "title_num": offer_body(title=5),
        "tc_str": offer_body(target_countries="KZ"),
        "tc_xx": offer_body(target_countries=["KZ", "XX"]),
        "array": [offer_body()],
        "price_float": offer_body(price={"amount": 1.5, "currency": "USD", "per": "H87"}),
    }
    for name, body in cases.items():
        r = await client.post("/v1/listings", json=body, headers=h)
        print(name, r.status_code, r.headers.get("content-type"), r.text)
    r = await client.post(
        "/v1/listings", content=b"{not json", headers={**h, "content-type": "application/json"}
    )
    print("notjson", r.status_code, r.headers.get("content-type"), r.text)
    r = await client.post(
        "/v1/listings", content=b"x" * (1024 * 1024 + 10), headers={**h, "content-type": "application/json"}
    )
    print("big", r.status_code, r.headers.get("content-type"), r.text)
    r = await client.post("/v1/listings", json=offer_body(external_ref="R1"), headers=h)
    r = await client.post("/v1/listings", json=offer_body(external_ref="R1"), headers=h)
    print("dup", r.status_code, r.headers.get("content-type"), r.text)
    for p in [
        {"limit": "0"},
        {"limit": "abc"},
        {"q": "x" * 201},
        {"side": "foo"},
        {"near": "nan,0,10"},
        {"near": "abc"},
        {"sort": "foo"},
    ]:
        r = await client.get("/v1/listings", params=p)
        print(p if "q" not in p else "q", r.status_code, r.headers.get("content-type"), r.text)
    for p in [{}, {"q": ""}, {"q": "a", "limit": 0}]:
        r = await client.get("/v1/commodities", params=p)
        print("comm", p, r.status_code, r.text)
    for c in ["999999", "abc"]:
        r = await client.get(f"/v1/commodities/{c}")
        print("comm", c, r.status_code, r.headers.get("content-type"), r.text)
    for b in [
        {"name": "x", "kind": "x", "country": "UZ", "city": "T"},
        {"kind": "exporter", "country": "UZ", "city": "T"},
        {"name": "x", "kind": "exporter", "country": "UZ", "city": "T", "contact": {"email": "bad"}},
        {"name": "x", "kind": "exporter", "country": "XX", "city": "T"},
    ]:
        r = await client.post("/v1/organizations", json=b, headers=admin)
        print("org", r.status_code, r.text)
    for hh in [{}, {"Authorization": "Bearer mk_nope"}, {"Authorization": "Token abc"}]:
        r = await client.post("/v1/listings", json=offer_body(), headers=hh)
        print("auth", r.status_code, dict(r.headers), r.text)
    assert 0
