"""Rate limits: per key, per anonymous address, and against key guessing; 429 says when to retry."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import httpx
import msgspec
import pytest

from market.app import create_app
from market.settings import Settings
from tests.conftest import asgi_client, running


@pytest.fixture
async def limited(settings: Settings, make_org, app) -> AsyncIterator[tuple[httpx.AsyncClient, object]]:
    """An app of its own with small limits (and fresh counters), sharing the suite's services and
    indexes (the suite's app keeps them; this one only reads)."""
    org = await make_org()
    small = msgspec.structs.replace(
        settings,
        run_indexer=False,
        rate_limit_key="5/minute",
        rate_limit_anonymous="3/minute",
        rate_limit_auth_failures="4/minute",
    )
    async with running(create_app(small), small, drop_indexes=False) as application:
        async with asgi_client(application) as http:
            yield http, org


async def test_a_key_gets_its_budget_then_429_with_retry_after(limited) -> None:
    client, org = limited
    answers = [await client.get(f"/v1/organizations/{org.id}", headers=org.headers) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].headers["ratelimit-policy"] == '"key";q=5;w=60'
    remaining = [a.headers["ratelimit"].split(";")[1] for a in answers[:5]]
    assert remaining == ["r=4", "r=3", "r=2", "r=1", "r=0"]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(refused.headers["retry-after"]) <= 60 and refused.json()["status"] == 429
    # Anonymous callers have their own budget, untouched by the key's.
    assert (await client.get(f"/v1/organizations/{org.id}")).status_code == 200


async def test_anonymous_callers_are_limited_by_address(limited) -> None:
    client, _ = limited
    answers = [await client.get("/v1/commodities", params={"q": "wheat"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["ratelimit-policy"] == '"address";q=3;w=60'
    assert (await client.get("/health")).status_code == 200  # probes are never limited


async def test_guessing_keys_from_one_address_is_stopped(limited) -> None:
    client, org = limited
    for _ in range(4):
        bad = await client.get(
            "/v1/matches", headers={"Authorization": f"Bearer mk_{secrets.token_urlsafe(32)}"}
        )
        assert bad.status_code == 401
    # Even a valid key is refused from that address until the window passes.
    blocked = await client.get(f"/v1/organizations/{org.id}", headers=org.headers)
    assert blocked.status_code == 429 and "failed authentications" in blocked.json()["detail"]


async def test_every_spelling_of_a_key_spends_one_budget(limited) -> None:
    client, org = limited
    spellings = ["Bearer {}", "bearer {}", "BEARER {}", "Bearer  {}", "bEaReR {}", "Bearer {}"]
    answers = [
        await client.get(f"/v1/organizations/{org.id}", headers={"Authorization": s.format(org.key)})
        for s in spellings
    ]
    assert [a.status_code for a in answers] == [200] * 5 + [429]


async def test_a_wrong_key_is_401_where_no_key_is_needed_and_counts_as_a_failure(limited) -> None:
    client, org = limited
    for n in range(4):  # a public endpoint, a bogus key each time: never the anonymous answer
        bogus = await client.get(
            "/v1/commodities", params={"q": "wheat"}, headers={"Authorization": f"Bearer x{n}"}
        )
        assert bogus.status_code == 401, bogus.text
        assert bogus.headers["content-type"].startswith("application/problem+json")
    blocked = await client.get(f"/v1/organizations/{org.id}", headers=org.headers)
    assert blocked.status_code == 429 and "failed authentications" in blocked.json()["detail"]


async def test_concurrent_guesses_get_no_more_401s_than_the_budget(limited) -> None:
    """Each unproven credential takes its slot before the lookup, so a burst cannot outrun it."""
    client, _ = limited
    guesses = [
        client.get("/v1/commodities", headers={"Authorization": f"Bearer mk_{secrets.token_urlsafe(32)}"})
        for _ in range(60)
    ]
    statuses = sorted(a.status_code for a in await asyncio.gather(*guesses))
    assert statuses == [401] * 4 + [429] * 56


async def test_concurrent_requests_with_a_proven_key_are_not_taken_for_guessing(
    settings: Settings, make_org, app
) -> None:
    org = await make_org()
    small = msgspec.structs.replace(settings, run_indexer=False, rate_limit_auth_failures="2/minute")
    async with running(create_app(small), small, drop_indexes=False) as application:
        async with asgi_client(application) as client:
            assert (await client.get("/v1/organizations/me", headers=org.headers)).status_code == 200
            burst = [client.get("/v1/organizations/me", headers=org.headers) for _ in range(30)]
            assert {a.status_code for a in await asyncio.gather(*burst)} == {200}


async def test_credentials_are_checked_with_rate_limits_off(settings: Settings, make_org, app) -> None:
    org = await make_org()
    off = msgspec.structs.replace(settings, run_indexer=False, rate_limit_enabled=False)
    async with running(create_app(off), off, drop_indexes=False) as application:
        async with asgi_client(application) as client:
            bogus = await client.get(
                "/v1/commodities", params={"q": "wheat"}, headers={"Authorization": "Bearer x1"}
            )
            assert bogus.status_code == 401
            good = await client.get("/v1/commodities", params={"q": "wheat"}, headers=org.headers)
            assert good.status_code == 200 and "ratelimit" not in good.headers


async def test_a_page_over_its_budget_is_a_page_saying_when_to_retry(limited) -> None:
    client, _ = limited
    answers = [await client.get("/border-crossings", headers={"Accept-Language": "ru"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["content-type"].startswith("text/html")
    assert "Слишком много запросов" in refused.text and '<html lang="ru">' in refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "default-src 'none'" in refused.headers["content-security-policy"]
    # The static files a page loads are not counted.
    assert (await client.get("/static/app/market.css")).status_code == 200
