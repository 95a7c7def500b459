"""What many test modules share: organizations made through the API, the documented example
listings, polling until search or matching has caught up, and the ``market`` command run against
the suite's services."""

from __future__ import annotations

import asyncio
import copy
import os
import secrets
import string
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from litestar import Litestar

from market.examples import FLOUR_DEMAND, UZ_PLATES_OFFER
from market.settings import Settings, settings_to_env
from market.testing import service_settings

__all__ = [
    "EXAMPLE_CSV",
    "FIELD_ERROR_STATUSES",
    "IMPORT_HEADER",
    "PROBLEM_JSON",
    "Org",
    "Snapshot",
    "add_member",
    "assert_problem",
    "create_organization",
    "demand_body",
    "insert_introduction",
    "letters",
    "offer_body",
    "repair_listing",
    "run_market",
    "snapshot",
    "wait_matched",
    "wait_searchable",
]


EXAMPLE_CSV = Path(__file__).resolve().parents[1] / "docs" / "examples" / "listings.csv"
"""The documented example import file."""
IMPORT_HEADER = (
    "external_ref,side,title,hs_code,quantity_amount,quantity_unit,origin_country,origin_city,"
    "destination_country,destination_city"
)
"""The header line of an import file with the required columns and a few more."""


@dataclass
class Org:
    """An organization, the secret of its API key, and the organization as the API answered."""

    id: str
    key: str
    data: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


async def create_organization(
    http: httpx.AsyncClient, admin_token: str, kind: str = "exporter", **fields: Any
) -> Org:
    """A new organization, created by the admin (in Almaty, Kazakhstan unless ``fields`` say
    otherwise), with its first API key."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    body = {"name": f"Test {kind} {secrets.token_hex(3)}", "kind": kind, "country": "KZ", "city": "Almaty"}
    created = await http.post("/v1/organizations", json={**body, **fields}, headers=admin)
    assert created.status_code == 201, created.text
    key = await http.post(f"/v1/organizations/{created.json()['id']}/api-keys", json={}, headers=admin)
    assert key.status_code == 201, key.text
    return Org(id=created.json()["id"], key=str(key.json()["secret"]), data=created.json())


async def add_member(client: httpx.AsyncClient, chamber: Org) -> dict[str, Any]:
    """A firm the chamber registers as its member (in the chamber's own country and city)."""
    country = chamber.data["country"]  # a chamber registers firms of its own country only
    body = {"name": "Member LLP", "kind": "exporter", "country": country, "city": chamber.data["city"]}
    created = await client.post("/v1/organizations", json=body, headers=chamber.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


INTRODUCTION_SQL = """
INSERT INTO introductions (listing_id, requester_id, recipient_id, requested_by, status, message,
                           created_at, expires_at, answered_at, closed_at, outcome, outcome_at)
VALUES ($1::uuid, $2::uuid, $3::uuid, $2::uuid, $4, 'About your listing', $5, $6, $7, $8, $9, $10)
"""


async def insert_introduction(
    app: Litestar,
    listing_id: str,
    requester: str,
    recipient: str,
    status: str,
    *,
    days_ago: float,
    answered_after_hours: float | None = None,
    outcome: str | None = None,
) -> None:
    """An introduction request about the recipient's listing, written straight into the table with
    its times set as if it had happened ``days_ago`` (answered that many hours later, if at all)."""
    created = datetime.now(UTC) - timedelta(days=days_ago)
    expires = created + timedelta(days=14)
    answered = None if answered_after_hours is None else created + timedelta(hours=answered_after_hours)
    closed = {
        "declined": answered,
        "expired": expires,
        "withdrawn": (answered or created) + timedelta(hours=1),
    }.get(status)
    outcome_at = None if outcome is None else (answered or created) + timedelta(days=1)
    await app.state.pool.execute(
        INTRODUCTION_SQL,
        listing_id,
        requester,
        recipient,
        status,
        created,
        expires,
        answered,
        closed,
        outcome,
        outcome_at,
    )


def run_market(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``market <args>`` in production mode on the suite's services; its output is captured."""
    env = {**os.environ, **settings_to_env(service_settings(settings, env="prod"))}
    command = [sys.executable, "-c", "from market.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def offer_body(**overrides: Any) -> dict[str, Any]:
    """The documented example offer (Uzbek plates for Kazakhstan), with changes."""
    return {**copy.deepcopy(UZ_PLATES_OFFER), **overrides}


def demand_body(**overrides: Any) -> dict[str, Any]:
    """The documented example demand (flour wanted in Samarkand, in Russian), with changes."""
    return {**copy.deepcopy(FLOUR_DEMAND), **overrides}


async def wait_searchable(
    client: httpx.AsyncClient,
    params: dict[str, Any],
    listing_id: str,
    *,
    present: bool = True,
    within: float = 15,
) -> dict[str, Any]:
    """Poll search until the listing appears (or disappears); return the last result."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        result = await client.get("/v1/listings", params=params)
        assert result.status_code == 200, result.text
        if "x-search-degraded" in result.headers:  # PostgreSQL answered: says nothing of the index
            await asyncio.sleep(0.1)
            continue
        body = result.json()
        found = any(hit["id"] == listing_id for hit in body["hits"])
        if found == present:
            return dict(body)
        if asyncio.get_running_loop().time() > deadline:
            seen = [hit["id"] for hit in body["hits"]]
            raise AssertionError(
                f"listing {listing_id} {'never appeared' if present else 'never left'}; saw {seen}"
            )
        await asyncio.sleep(0.1)


async def wait_matched(
    client: httpx.AsyncClient, listing_id: str, counterpart_id: str, *, within: float = 20
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Poll the listing's matches until the counterpart is among them; return its match and the
    whole answer. A 503 (the search index just came back and the reader still skips it) is retried."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        response = await client.get(f"/v1/listings/{listing_id}/matches")
        if response.status_code == 200:
            body = dict(response.json())
            found = [m for m in body["matches"] if m["listing"]["id"] == counterpart_id]
            if found:
                return found[0], body
            seen = [m["listing"]["id"] for m in body["matches"]]
        else:
            assert response.status_code == 503, response.text
            seen = [response.text]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{counterpart_id} never matched {listing_id}; saw {seen}")
        await asyncio.sleep(0.1)


REPAIR_SQL = """
UPDATE listings SET status = 'closed', origin = '{"country": "UZ", "city": "Tashkent"}'::jsonb
WHERE id = $1::uuid
"""


async def repair_listing(app: Litestar, listing_id: str) -> None:
    """Undo a test's corruption of a listing (written behind the API's back): close it with sane
    data, drop the work set aside for it, and let the indexer take it out of the index."""
    async with app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(REPAIR_SQL, listing_id)
        await conn.execute("DELETE FROM search_outbox WHERE listing_id = $1::uuid", listing_id)
        await conn.execute("DELETE FROM match_jobs WHERE listing_id = $1::uuid", listing_id)
        await conn.execute("INSERT INTO search_outbox (listing_id) VALUES ($1::uuid)", listing_id)
        await conn.execute("SELECT pg_notify('market_search_outbox', '')")


PROBLEM_JSON = "application/problem+json"
FIELD_ERROR_STATUSES = {400, 422}


def assert_problem(
    response: httpx.Response, statuses: int | set[int], field: str | None = None
) -> dict[str, Any]:
    """A problem+json response with one of ``statuses``; if ``field``, an error naming it."""
    allowed = {statuses} if isinstance(statuses, int) else statuses
    assert response.status_code in allowed, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == response.status_code, body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    if field is not None:
        errors = body.get("errors")
        assert isinstance(errors, list) and errors, f"no field errors in {body}"
        fields = [e["field"] for e in errors]
        assert field in fields, f"expected an error naming {field!r}, got {fields}: {body}"
        assert all(isinstance(e.get("message"), str) and e["message"] for e in errors), body
    return dict(body)


@dataclass(frozen=True)
class Snapshot:
    listings: int
    versions: int
    outbox_sequence: tuple[int, bool]


async def snapshot(app: Litestar, organization_id: str) -> Snapshot:
    """What a rejected request must leave alone: the org's listings and the search outbox.

    The outbox sequence catches a new row even if the indexer has already drained it (counting
    the rows themselves would race with the indexer draining earlier, legitimate ones)."""
    pool = app.state.pool
    org = UUID(organization_id)
    row = await pool.fetchrow(
        "SELECT count(*) AS listings, coalesce(sum(version), 0) AS versions"
        " FROM listings WHERE organization_id = $1",
        org,
    )
    seq = await pool.fetchrow("SELECT last_value, is_called FROM search_outbox_id_seq")
    return Snapshot(row["listings"], row["versions"], (seq["last_value"], seq["is_called"]))


def letters(n: int = 12) -> str:
    """A word made of letters only, so the search tokenizer keeps it whole."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))
