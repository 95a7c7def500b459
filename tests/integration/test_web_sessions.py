"""Signing in on the web pages: CSRF, a session that keeps no secret, revocation, signing out."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx
from litestar import Litestar

from market.auth import hash_api_key
from tests.conftest import asgi_client


def csrf_of(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF field in the form"
    return found.group(1)


async def test_a_form_without_its_csrf_token_is_refused(app: Litestar, make_org: Any) -> None:
    org = await make_org()
    async with asgi_client(app) as browser:
        await browser.get("/sign-in")  # the CSRF cookie
        refused = await browser.post("/sign-in", data={"api_key": org.key})
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
        assert "market_session" not in refused.headers.get("set-cookie", "")
        forged = await browser.post("/sign-in", data={"api_key": org.key, "_csrf_token": "0" * 96})
        assert forged.status_code == 403


async def test_sign_in_opens_a_session_that_revoking_the_key_ends(
    app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    org = await make_org()
    pool: asyncpg.Pool = app.state.pool
    async with asgi_client(app) as browser:
        form = await browser.get("/sign-in", params={"lang": "ru"})
        wrong = await browser.post(
            "/sign-in", data={"api_key": "mk_wrong", "_csrf_token": csrf_of(form.text)}
        )
        assert wrong.status_code == 422 and "недействителен" in wrong.text
        signed = await browser.post(
            "/sign-in",
            data={"api_key": org.key, "_csrf_token": csrf_of(form.text), "next": "//evil.example/"},
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/"  # never another host
        cookie = signed.headers["set-cookie"]
        assert "market_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
        assert org.key not in cookie
        home = await browser.get("/")
        assert "/sign-out" in home.text
        # The table keeps the token's digest and the key's id, never the key.
        rows = await pool.fetch(
            "SELECT s.* FROM web_sessions s JOIN api_keys k ON k.id = s.key_id WHERE k.key_hash = $1",
            hash_api_key(org.key),
        )
        assert len(rows) == 1 and org.key.encode() not in bytes(rows[0]["token_hash"])
        # The API never takes the cookie for a key.
        api = await browser.get("/v1/organizations/me")
        assert api.status_code == 401
        # Revoking the key ends the session at the next request.
        key_id = await pool.fetchval("SELECT id FROM api_keys WHERE key_hash = $1", hash_api_key(org.key))
        revoked = await client.delete(f"/v1/organizations/{org.id}/api-keys/{key_id}", headers=org.headers)
        assert revoked.status_code == 204
        after = await browser.get("/")
        assert "/sign-out" not in after.text and 'href="/sign-in"' in after.text


async def test_sign_out_ends_the_session(app: Litestar, make_org: Any) -> None:
    org = await make_org()
    pool: asyncpg.Pool = app.state.pool
    async with asgi_client(app) as browser:
        form = await browser.get("/sign-in")
        signed = await browser.post("/sign-in", data={"api_key": org.key, "_csrf_token": csrf_of(form.text)})
        assert signed.status_code == 303
        home = await browser.get("/")
        out = await browser.post("/sign-out", data={"_csrf_token": csrf_of(home.text)})
        assert out.status_code == 303 and 'market_session=""' in out.headers["set-cookie"].replace(
            "=;", '=""'
        )
        key_sessions = await pool.fetchval(
            "SELECT count(*) FROM web_sessions s JOIN api_keys k ON k.id = s.key_id WHERE k.key_hash = $1",
            hash_api_key(org.key),
        )
        assert key_sessions == 0
        assert 'href="/sign-in"' in (await browser.get("/")).text
