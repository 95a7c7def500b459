"""Webhooks end to end: registration, signed deliveries to a real receiver on loopback,
retries, per-listing order, the delivery log, redelivery and who may see what."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from market.events import emit
from tests.helpers import Org, add_member, offer_body
from tests.integration.webhook_receiver import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.stop()


async def register(client: httpx.AsyncClient, org: Org, receiver: Receiver, **body: Any) -> dict[str, Any]:
    body = {"url": receiver.url, "events": ["match.created", "listing.updated"], **body}
    created = await client.post("/v1/webhooks", json=body, headers=org.headers)
    assert created.status_code == 201, created.text
    hook = dict(created.json())
    receiver.secret = hook["secret"]
    return hook


async def fire(
    app: Litestar, organization_id: str, kind: str, listing_id: str | None = None, **data: Any
) -> int:
    """Record an event the way the services do: emit() inside their transaction."""
    async with app.state.pool.acquire() as conn, conn.transaction():
        event_id: int = await emit(conn, organization_id, kind, data, listing_id=listing_id)  # type: ignore[arg-type]
        return event_id


async def log_of(client: httpx.AsyncClient, org: Org, hook: dict[str, Any], **params: Any) -> dict[str, Any]:
    response = await client.get(f"/v1/webhooks/{hook['id']}/deliveries", params=params, headers=org.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def settled(client: httpx.AsyncClient, org: Org, hook: dict[str, Any], count: int) -> list[dict]:
    """Wait until the log holds ``count`` deliveries and none is pending; return it."""
    deliveries: list[dict] = []
    for _ in range(400):
        deliveries = (await log_of(client, org, hook, limit=100))["deliveries"]
        if len(deliveries) >= count and all(d["status"] != "pending" for d in deliveries):
            return deliveries
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries never settled: {deliveries}")


async def test_a_chamber_receives_signed_events_of_its_members(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Kostanai")
    member = str((await add_member(client, chamber))["id"])
    outsider = await make_org()
    hook = await register(client, chamber, receiver, events=["match.created"], include_members=True)
    assert hook["secret"].startswith("whsec_") and hook["include_members"] is True
    shown = await client.get(f"/v1/webhooks/{hook['id']}", headers=chamber.headers)
    assert shown.status_code == 200 and "secret" not in shown.json()
    listed = await client.get("/v1/webhooks", headers=chamber.headers)
    assert [w["id"] for w in listed.json()["webhooks"]] == [hook["id"]]

    await fire(app, member, "match.created", marker="member", score=0.8)
    await fire(app, chamber.id, "match.created", marker="chamber")
    await fire(app, member, "listing.updated", marker="not subscribed")
    await fire(app, outsider.id, "match.created", marker="not a member")
    await receiver.wait_for(lambda got: {"member", "chamber"} <= {r.marker for r in got})
    await settled(client, chamber, hook, 2)

    by_marker = {r.marker: r for r in receiver.received}
    assert set(by_marker) == {"member", "chamber"}
    payload = by_marker["member"].payload
    assert payload["type"] == "match.created"
    assert payload["data"] == {"marker": "member", "score": 0.8, "organization_id": member}
    assert payload["timestamp"].endswith("Z")
    assert by_marker["chamber"].payload["data"]["organization_id"] == chamber.id
    assert all(r.message_id.startswith("msg_") for r in receiver.received)


async def test_only_chambers_may_include_members(
    client: httpx.AsyncClient, make_org, receiver: Receiver
) -> None:
    exporter = await make_org()
    body = {"url": receiver.url, "events": ["match.created"], "include_members": True}
    refused = await client.post("/v1/webhooks", json=body, headers=exporter.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "include_members"


async def test_failed_attempts_are_retried_with_the_same_id_until_delivered(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    receiver.answer = lambda _payload, nth: 500 if nth <= 2 else 200
    hook = await register(client, org, receiver)
    await fire(app, org.id, "match.created", marker="retried")
    await receiver.wait_for(lambda _: len(receiver.with_marker("retried")) >= 3)
    [delivery] = await settled(client, org, hook, 1)

    attempts = receiver.with_marker("retried")
    assert [a.answered for a in attempts] == [500, 500, 200]
    assert len({a.message_id for a in attempts}) == 1
    assert len({a.body for a in attempts}) == 1  # byte-identical body; only the timestamp is new
    assert delivery["message_id"] == attempts[0].message_id
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3
    assert delivery["last_status_code"] == 200 and delivery["last_error"] is None
    assert delivery["next_attempt_at"] is None and delivery["delivered_at"]


async def test_a_failing_receiver_is_logged_briefly_and_redirects_are_not_followed(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    receiver.answer = lambda _payload, nth: 302 if nth == 1 else 503
    receiver.error_body = b"<html>" + b"x" * 100_000 + b"</html>"
    hook = await register(client, org, receiver)
    await fire(app, org.id, "match.created", marker="failing")
    await receiver.wait_for(lambda _: len(receiver.with_marker("failing")) >= 3)

    for _ in range(100):
        [delivery] = (await log_of(client, org, hook))["deliveries"]
        if delivery["last_status_code"] == 503:
            break
        await asyncio.sleep(0.05)
    assert delivery["status"] == "pending" and delivery["attempts"] >= 2
    assert delivery["last_error"].startswith("HTTP 503: <html>xxx")
    assert len(delivery["last_error"]) <= 200
    assert delivery["next_attempt_at"] is not None
    assert receiver.received[0].answered == 302
    assert {r.path for r in receiver.received} == {"/hooks/market"}  # nothing went to /elsewhere

    deleted = await client.delete(f"/v1/webhooks/{hook['id']}", headers=org.headers)
    assert deleted.status_code == 204
    abandoned = await org_deliveries(app, hook["id"])
    assert [(d["status"], d["last_error"]) for d in abandoned] == [("failed", "the endpoint was deleted")]


async def test_a_delivery_is_given_up_a_day_after_its_first_attempt(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    receiver.answer = lambda _payload, _nth: 500
    hook = await register(client, org, receiver)
    await fire(app, org.id, "match.created", marker="doomed")
    await receiver.wait_for(lambda _: bool(receiver.with_marker("doomed")))
    # As if the first attempt had been made 25 hours ago: the next failure is the last.
    await app.state.pool.execute(
        """UPDATE webhook_deliveries SET first_attempt_at = now() - interval '25 hours'
           WHERE endpoint_id = $1""",
        hook["id"],
    )
    [delivery] = await settled(client, org, hook, 1)
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    assert delivery["last_status_code"] == 500 and delivery["last_error"].startswith("HTTP 500")
    assert delivery["delivered_at"] is None


async def org_deliveries(app: Litestar, hook_id: str) -> list[dict[str, Any]]:
    rows = await app.state.pool.fetch(
        "SELECT status, last_error FROM webhook_deliveries WHERE endpoint_id = $1", hook_id
    )
    return [dict(r) for r in rows]


async def test_events_about_one_listing_arrive_in_order_despite_failures(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    plates = await client.post("/v1/listings", json=offer_body(), headers=org.headers)
    cups = await client.post("/v1/listings", json=offer_body(title="Tea cups"), headers=org.headers)
    assert plates.status_code == cups.status_code == 201
    # The first event about the plates fails twice; the later ones must wait for it.
    receiver.answer = lambda payload, nth: (
        500 if payload["data"].get("marker") == "plates-1" and nth <= 2 else 204
    )
    await register(client, org, receiver, events=["listing.updated"])
    for n in (1, 2, 3):
        await fire(app, org.id, "listing.updated", plates.json()["id"], marker=f"plates-{n}")
        await fire(app, org.id, "listing.updated", cups.json()["id"], marker=f"cups-{n}")
    await receiver.wait_for(lambda got: sum(r.answered == 204 for r in got if r.marker) >= 6)

    plates_seen = [(r.marker, r.answered) for r in receiver.received if str(r.marker).startswith("plates")]
    assert plates_seen == [
        ("plates-1", 500),
        ("plates-1", 500),
        ("plates-1", 204),
        ("plates-2", 204),
        ("plates-3", 204),
    ]
    cups_seen = [r.marker for r in receiver.received if str(r.marker).startswith("cups")]
    assert cups_seen == ["cups-1", "cups-2", "cups-3"]  # not held up by the plates


async def test_the_delivery_log_pages_and_a_delivery_can_be_sent_again(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    hook = await register(client, org, receiver)
    event_ids = [await fire(app, org.id, "match.created", marker=n) for n in range(5)]
    await receiver.wait_for(lambda got: {r.marker for r in got} >= set(range(5)))
    await settled(client, org, hook, 5)

    first = await log_of(client, org, hook, limit=2)
    second = await log_of(client, org, hook, limit=2, cursor=first["next_cursor"])
    third = await log_of(client, org, hook, limit=2, cursor=second["next_cursor"])
    pages = [first, second, third]
    seen = [d["event_id"] for page in pages for d in page["deliveries"]]
    assert seen == sorted(event_ids, reverse=True)  # newest first, each once
    assert third["next_cursor"] is None
    assert (await log_of(client, org, hook, status="failed"))["deliveries"] == []
    assert len((await log_of(client, org, hook, status="delivered"))["deliveries"]) == 5

    oldest = third["deliveries"][-1]
    again = await client.post(
        f"/v1/webhooks/{hook['id']}/deliveries/{oldest['id']}/redeliver", headers=org.headers
    )
    assert again.status_code == 202, again.text
    assert again.json()["status"] == "pending" and again.json()["attempts"] == 0
    await receiver.wait_for(lambda _: len(receiver.for_message(oldest["message_id"])) >= 2)
    repeat = receiver.for_message(oldest["message_id"])
    assert len(repeat) == 2 and repeat[0].body == repeat[1].body
    log = await settled(client, org, hook, 5)
    assert {d["id"]: d["attempts"] for d in log}[oldest["id"]] == 1

    bad_cursor = await client.get(
        f"/v1/webhooks/{hook['id']}/deliveries", params={"cursor": "abc"}, headers=org.headers
    )
    assert bad_cursor.status_code == 400 and bad_cursor.json()["errors"][0]["field"] == "cursor"
    missing = await client.post(
        f"/v1/webhooks/{hook['id']}/deliveries/999999999/redeliver", headers=org.headers
    )
    assert missing.status_code == 404


async def test_other_organizations_get_404_and_keys_need_the_webhooks_scope(
    client: httpx.AsyncClient, make_org, app: Litestar, admin: dict[str, str], receiver: Receiver
) -> None:
    owner = await make_org()
    stranger = await make_org()
    hook = await register(client, owner, receiver)
    await fire(app, owner.id, "match.created", marker="private")
    [delivery] = await settled(client, owner, hook, 1)
    base = f"/v1/webhooks/{hook['id']}"
    redeliver = f"{base}/deliveries/{delivery['id']}/redeliver"
    for method, path in [("GET", base), ("DELETE", base), ("GET", f"{base}/deliveries"), ("POST", redeliver)]:
        response = await client.request(method, path, headers=stranger.headers)
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get("/v1/webhooks", headers=stranger.headers)).json() == {"webhooks": []}

    issued = await client.post(
        f"/v1/organizations/{owner.id}/api-keys", json={"scopes": ["read"]}, headers=admin
    )
    reader = {"Authorization": f"Bearer {issued.json()['secret']}"}
    body = {"url": receiver.url, "events": ["match.created"]}
    assert (await client.post("/v1/webhooks", json=body, headers=reader)).status_code == 403
    assert (await client.delete(base, headers=reader)).status_code == 403
    assert (await client.post(redeliver, headers=reader)).status_code == 403
    assert (await client.get(base, headers=reader)).status_code == 200
    assert (await client.get(f"{base}/deliveries", headers=reader)).status_code == 200
    assert (await client.get("/v1/webhooks")).status_code == 401
    assert (await client.post("/v1/webhooks", json=body, headers=admin)).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.5/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:192.168.0.1]/hooks",
        "https://2130706433/hooks",
        "http://example.com/hooks",
        "https://user:secret@example.com/hooks",
        "https://no-such-host.invalid/hooks",
        "ftp://example.com/hooks",
        "not a url",
    ],
)
async def test_bad_urls_are_refused_naming_url_and_nothing_is_stored(
    client: httpx.AsyncClient, make_org, url: str
) -> None:
    org = await make_org()
    response = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["match.created"]}, headers=org.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == ["url"]
    assert (await client.get("/v1/webhooks", headers=org.headers)).json() == {"webhooks": []}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["match.created"]}, "url"),
        ({"url": "https://example.com/h", "events": []}, "events"),
        ({"url": "https://example.com/h", "events": ["listing.deleted"]}, "events.0"),
        ({"url": "https://example.com/h", "events": ["match.created"], "secret": "mine"}, "secret"),
    ],
)
async def test_bad_bodies_name_the_field(client: httpx.AsyncClient, make_org, body: dict, field: str) -> None:
    org = await make_org()
    response = await client.post("/v1/webhooks", json=body, headers=org.headers)
    assert response.status_code == 400, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_deleted_webhook_is_gone_and_hears_nothing_more(
    client: httpx.AsyncClient, make_org, app: Litestar, receiver: Receiver
) -> None:
    org = await make_org()
    hook = await register(client, org, receiver)
    assert (await client.delete(f"/v1/webhooks/{hook['id']}", headers=org.headers)).status_code == 204
    assert (await client.get(f"/v1/webhooks/{hook['id']}", headers=org.headers)).status_code == 404
    assert (await client.delete(f"/v1/webhooks/{hook['id']}", headers=org.headers)).status_code == 404
    await fire(app, org.id, "match.created", marker="after delete")
    assert await org_deliveries(app, hook["id"]) == []


async def test_the_delivery_time_guard_refuses_what_registration_would_have(
    client: httpx.AsyncClient, make_org, app: Litestar
) -> None:
    """An endpoint stored with an internal address (say, before a rule existed) is never called."""
    org = await make_org()
    hook_id = await app.state.pool.fetchval(
        """INSERT INTO webhook_endpoints (organization_id, url, events, secret)
           VALUES ($1, 'http://10.1.2.3/hooks', '{match.created}', 'whsec_AAAA') RETURNING id""",
        org.id,
    )
    await fire(app, org.id, "match.created", marker="internal")
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        row = await app.state.pool.fetchrow(
            "SELECT attempts, last_error, last_status_code FROM webhook_deliveries WHERE endpoint_id = $1",
            hook_id,
        )
        if row["last_error"] or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert row["last_error"], f"no attempt recorded within 30 s: {dict(row)}"
    assert row["last_error"].startswith("refused: ") and "private" in row["last_error"]
    assert row["last_status_code"] is None
    await client.delete(f"/v1/webhooks/{hook_id}", headers=org.headers)


async def test_a_stuck_receiver_holds_at_most_four_attempts_and_never_blocks_others(
    client: httpx.AsyncClient, make_org, app: Litestar
) -> None:
    stuck, healthy = await Receiver(hold=lambda _payload, _nth: True).start(), await Receiver().start()
    try:
        org = await make_org()
        hook = await register(client, org, stuck)
        other = await make_org()
        await register(client, other, healthy)
        for n in range(10):
            await fire(app, org.id, "match.created", marker=n)
        await stuck.wait_for(lambda got: len(got) >= 4)
        held_at = asyncio.get_running_loop().time()
        await fire(app, other.id, "match.created", marker="not held up")
        await healthy.wait_for(lambda got: [r.marker for r in got] == ["not held up"], within=20)
        # The claim that started the healthy delivery came after the four held ones and passed
        # over the six deliveries still due at the stuck endpoint: none of them was started.
        started = await app.state.pool.fetchval(
            "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1 AND attempts > 0", hook["id"]
        )
        # Held attempts time out after 10 s and are retried, so a fifth one proves nothing after that.
        held_for = asyncio.get_running_loop().time() - held_at
        assert held_for < 8, f"the machine is too slow for this check: {held_for:.1f} s went by"
        assert started == 4 and len(stuck.received) == 4
        stuck.release()
        await stuck.wait_for(lambda got: len({r.marker for r in got}) == 10)
    finally:
        await stuck.stop()
        await healthy.stop()
