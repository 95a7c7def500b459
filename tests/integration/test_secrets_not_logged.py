"""Secrets and contact details never reach the logs, nor tables where they are not meant to be.

A real server (uvicorn in a subprocess, DEBUG logging) serves a scenario that creates an
organization with contact details, issues API keys, uses them (valid, wrong, revoked, in the wrong
scheme), registers a webhook whose deliveries fail, accepts an introduction (which shows the contact details
to the other side), and forces errors (401, 403, 404, 422, 428).
Everything the process wrote to stdout and stderr is then searched for each secret, each
Authorization header value sent, and the contact email and phone.

Revocation taking effect on the very next request is covered by
tests/integration/test_chamber_members.py::test_revoked_keys_stop_working_at_once; here the
revoked key is used once more to see that its refusal is not logged with the key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from market.settings import Settings
from market.testing import free_port
from tests.helpers import create_organization, offer_body
from tests.live import serve

__all__: list[str] = []


@dataclass
class Scenario:
    """What was sent to the server, and everything it wrote meanwhile."""

    admin_token: str
    email: str = field(default_factory=lambda: f"trade-{secrets.token_hex(4)}@example.uz")
    phone: str = field(default_factory=lambda: f"+998 71 {secrets.randbelow(900_000) + 100_000:06d}")
    secrets: list[str] = field(default_factory=list)
    """Every API key, webhook secret and token sent or received, valid or not."""
    authorizations: set[str] = field(default_factory=set)
    """Every Authorization header value sent."""
    api_keys: list[str] = field(default_factory=list)
    """The organization's real keys, in the order they were issued."""
    organization_id: str = ""
    requests: int = 0
    output: str = ""

    async def call(
        self, http: httpx.AsyncClient, method: str, path: str, authorization: str, **kwargs: Any
    ) -> httpx.Response:
        self.authorizations.add(authorization)
        self.requests += 1
        headers = {"Authorization": authorization, **kwargs.pop("headers", {})}
        return await http.request(method, path, headers=headers, **kwargs)

    async def play(self, http: httpx.AsyncClient) -> None:
        org = await create_organization(
            http, self.admin_token, "exporter", contact={"email": self.email, "phone": self.phone}
        )
        first = org.key
        self.requests += 2
        self.organization_id, admin, key = org.id, f"Bearer {self.admin_token}", f"Bearer {first}"
        self.secrets += [self.admin_token, first]
        self.api_keys.append(first)
        self.authorizations.add(admin)
        org_path = f"/v1/organizations/{org.id}"

        # A second key, asked for twice with one Idempotency-Key: a secret is never kept for replay.
        second_id = ""
        for _ in range(2):
            issued = await self.call(
                http,
                "POST",
                f"{org_path}/api-keys",
                key,
                json={"name": "k"},
                headers={"Idempotency-Key": "k1"},
            )
            assert issued.status_code == (409 if second_id else 201), issued.text
            if issued.status_code == 201:
                self.secrets.append(issued.json()["secret"])
                self.api_keys.append(issued.json()["secret"])
                second_id = issued.json()["id"]

        # Valid use, and errors on purpose.
        assert (await self.call(http, "GET", "/v1/organizations/me", key)).status_code == 200
        assert (await self.call(http, "GET", org_path, key)).status_code == 200
        created = await self.call(http, "POST", "/v1/listings", key, json=offer_body())
        assert created.status_code == 201, created.text
        listing = created.json()["id"]
        unknown_hs = await self.call(http, "POST", "/v1/listings", key, json=offer_body(hs_code="999999"))
        assert unknown_hs.status_code == 422, unknown_hs.text
        no_if_match = await self.call(http, "PATCH", f"/v1/listings/{listing}", key, json={"title": "x"})
        assert no_if_match.status_code == 428, no_if_match.text
        assert (await self.call(http, "GET", "/v1/organizations/me", admin)).status_code == 403
        no_such_key = f"{org_path}/api-keys/00000000-0000-0000-0000-000000000000"
        assert (await self.call(http, "DELETE", no_such_key, key)).status_code == 404

        # Wrong credentials: a made-up key, the admin token plus a character, a real key in the
        # wrong scheme or as Basic auth, a bare "Bearer".
        made_up = f"mk_{secrets.token_urlsafe(32)}"
        self.secrets += [made_up, f"{self.admin_token}x"]
        for wrong in (
            f"Bearer {made_up}",
            f"Bearer {self.admin_token}x",
            f"Token {first}",
            f"Basic {first}",
            "Bearer",
        ):
            refused = await self.call(http, "GET", "/v1/organizations/me", wrong)
            assert refused.status_code == 401, refused.text

        # Revoke the second key, then use it.
        assert (await self.call(http, "DELETE", f"{org_path}/api-keys/{second_id}", key)).status_code == 204
        revoked = await self.call(http, "GET", "/v1/organizations/me", f"Bearer {self.api_keys[1]}")
        assert revoked.status_code == 401, revoked.text

        await self.failing_webhook(http, key, listing)
        await self.introduction(http, key, listing)

    async def introduction(self, http: httpx.AsyncClient, key: str, listing: str) -> None:
        """Another organization asks about the listing, is accepted, and both see the contacts."""
        buyer = await create_organization(http, self.admin_token, "importer", country="KZ", city="Almaty")
        self.requests += 2
        self.secrets.append(buyer.key)
        theirs = f"Bearer {buyer.key}"
        asked = await self.call(
            http, "POST", "/v1/introductions", theirs, json={"listing_id": listing, "message": "Plates?"}
        )
        assert asked.status_code == 201, asked.text
        path = f"/v1/introductions/{asked.json()['id']}"
        accepted = await self.call(http, "POST", f"{path}/accept", key)
        assert accepted.json()["requester"]["contact"] is not None, accepted.text
        seen = await self.call(http, "GET", path, theirs)
        assert seen.json()["recipient"]["contact"]["email"] == self.email, seen.text
        contact = await self.call(http, "GET", f"/v1/organizations/{self.organization_id}", theirs)
        assert contact.json()["contact"]["phone"] == self.phone, contact.text
        said = await self.call(http, "POST", f"{path}/messages", theirs, json={"text": "Call us."})
        assert said.status_code == 201, said.text

    async def failing_webhook(self, http: httpx.AsyncClient, key: str, listing: str) -> None:
        """A webhook to a loopback port nobody listens on, and an event for it: delivery fails."""
        if (await self.call(http, "GET", "/v1/webhooks", key)).status_code == 404:
            return  # a build without webhooks
        body = {"url": f"http://127.0.0.1:{free_port()}/hook", "events": ["listing.updated"]}
        created = await self.call(http, "POST", "/v1/webhooks", key, json=body)
        assert created.status_code == 201, created.text
        self.secrets.append(created.json()["secret"])
        deliveries = f"/v1/webhooks/{created.json()['id']}/deliveries"
        changed = await self.call(
            http,
            "PATCH",
            f"/v1/listings/{listing}",
            key,
            json={"title": "Plates"},
            headers={"If-Match": '"1"'},
        )
        assert changed.status_code == 200, changed.text
        deadline = asyncio.get_running_loop().time() + 20
        while not any(
            d["attempts"] for d in (await self.call(http, "GET", deliveries, key)).json()["deliveries"]
        ):
            assert asyncio.get_running_loop().time() < deadline, "the webhook was never tried"
            await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
async def scenario(app: Litestar, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario, played against a server logging at DEBUG; ``output`` is all it wrote.

    ``app`` is asked for first: it migrates the database and prepares the indexes."""
    assert settings.admin_token
    run = Scenario(admin_token=settings.admin_token)
    # The webhook's receiver is a closed port on 127.0.0.1, which only this setting allows.
    debug = {"log_level": "DEBUG", "webhook_allow_loopback": True}
    async with serve(settings, tmp_path_factory.mktemp("secrets"), "secrets", **debug) as server:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=15) as http:
            await run.play(http)
    run.output = server.log.read_text(errors="replace")  # complete: the server has stopped
    return run


def test_the_output_was_captured(scenario: Scenario) -> None:
    """One access line per request at least: an empty capture would prove nothing."""
    assert scenario.output.count('"event":"request"') >= scenario.requests, scenario.output[-2000:]


def test_no_secret_is_logged(scenario: Scenario) -> None:
    leaked = [s[:10] + "..." for s in scenario.secrets if s in scenario.output]
    assert not leaked, f"secrets in the server's output: {leaked}"
    # Nor anything shaped like a whole API key (the 11-character visible prefix may be named).
    assert not re.findall(r"mk_[A-Za-z0-9_-]{20,}", scenario.output)


def test_no_authorization_header_value_is_logged(scenario: Scenario) -> None:
    credentials = {a.partition(" ")[2].strip() for a in scenario.authorizations} - {""}
    assert all(len(c) >= 16 for c in credentials)  # long enough that a match is no accident
    leaked = [c[:10] + "..." for c in credentials if c in scenario.output]
    assert not leaked, f"Authorization values in the server's output: {leaked}"


def test_no_contact_detail_is_logged(scenario: Scenario) -> None:
    assert scenario.email not in scenario.output
    assert scenario.phone not in scenario.output


async def test_keys_are_stored_only_as_digests(scenario: Scenario, app: Litestar) -> None:
    """The database has each key's SHA-256 and visible prefix; no column of any row has the key."""
    rows = await app.state.pool.fetch(
        "SELECT * FROM api_keys WHERE organization_id = $1::uuid", scenario.organization_id
    )
    assert {bytes(r["key_hash"]) for r in rows} == {
        hashlib.sha256(k.encode()).digest() for k in scenario.api_keys
    }
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert not [k[:10] for k in scenario.api_keys if k in stored]


async def test_no_secret_is_kept_for_idempotent_replay(scenario: Scenario, app: Litestar) -> None:
    """The response that showed a key is not stored for replay (its retry is a 409)."""
    rows = await app.state.pool.fetch("SELECT * FROM idempotency_keys")
    stored = " ".join(_text(value) for row in rows for value in row.values())
    assert not [s[:10] for s in scenario.secrets if s in stored]


def _text(value: Any) -> str:
    return bytes(value).decode(errors="replace") if isinstance(value, bytes | memoryview) else str(value)


def test_access_lines_carry_the_status_the_client_got(scenario: Scenario) -> None:
    """A 401 raised by the gate (a middleware) is answered after the access log's line is done:
    the line must still say 401, not the 500 it would guess."""
    lines = [json.loads(line) for line in scenario.output.splitlines() if '"event":"request"' in line]
    statuses = {line["status"] for line in lines}
    assert 401 in statuses, statuses
    assert 500 not in statuses, [line for line in lines if line["status"] == 500]
