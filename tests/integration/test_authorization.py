"""Who may do what: organizations only touch their own listings, drafts and private fields stay
with their owner, keys are issued only by those entitled to, and contact details never reach
anonymous callers or the search index."""

from __future__ import annotations

import json
import secrets
import string
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar

from market.settings import Settings
from tests.helpers import offer_body, wait_searchable

PROBLEM_JSON = "application/problem+json"
SECRET_EMAIL = "secret-contact@example.uz"
SECRET_PHONE = "+998 71 555 12 34"
SECRET_WEBSITE = "https://secret-contact.example.uz"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.headers
    body = response.json()
    assert body["status"] == status, body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("detail"), str) and body["detail"], body
    return dict(body)


def letters(n: int = 12) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass(frozen=True)
class Row:
    version: int
    status: str
    title: str
    outbox_sequence: tuple[int, bool]


async def listing_row(app: Litestar, listing_id: str) -> Row:
    """The stored listing, plus the outbox sequence (it moves whenever a row is enqueued)."""
    pool = app.state.pool
    row = await pool.fetchrow("SELECT version, status, title FROM listings WHERE id = $1", UUID(listing_id))
    assert row is not None
    seq = await pool.fetchrow("SELECT last_value, is_called FROM search_outbox_id_seq")
    return Row(row["version"], row["status"], row["title"], (seq["last_value"], seq["is_called"]))


async def organization_count(app: Litestar) -> int:
    return int(await app.state.pool.fetchval("SELECT count(*) FROM organizations"))


async def listing_count(app: Litestar, organization_id: str) -> int:
    return int(
        await app.state.pool.fetchval(
            "SELECT count(*) FROM listings WHERE organization_id = $1", UUID(organization_id)
        )
    )


def member_body(kind: str = "exporter", **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Member {kind} {secrets.token_hex(3)}",
        "kind": kind,
        "country": "UZ",
        "city": "Namangan",
        "contact": {"email": "member@example.uz"},
        **extra,
    }


async def create_listing(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    created = await client.post("/v1/listings", json=offer_body(**overrides), headers=headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


# --------------------------------------------------------------------------------------------
# Listings belong to their organization


async def test_other_org_cannot_patch_or_delete_a_listing(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    a, b = await make_org(), await make_org()
    listing = await create_listing(client, a.headers)
    url = f"/v1/listings/{listing['id']}"
    before = await listing_row(app, listing["id"])
    assert (before.version, before.status) == (1, "active")

    for if_match in ('"1"', "*"):
        patched = await client.patch(
            url, json={"title": "Hijacked", "status": "paused"}, headers={**b.headers, "If-Match": if_match}
        )
        assert_problem(patched, 404)
    assert_problem(await client.delete(url, headers=b.headers), 404)

    assert await listing_row(app, listing["id"]) == before
    seen = await client.get(url, headers=a.headers)
    assert seen.status_code == 200, seen.text
    assert seen.headers["etag"] == '"1"'
    assert seen.json()["title"] == listing["title"]
    assert seen.json()["status"] == "active"


async def test_not_found_for_someone_elses_listing_looks_like_a_missing_one(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    a, b = await make_org(), await make_org()
    listing = await create_listing(client, a.headers)
    theirs = assert_problem(await client.delete(f"/v1/listings/{listing['id']}", headers=b.headers), 404)
    missing_id = uuid.uuid4()
    missing = assert_problem(await client.delete(f"/v1/listings/{missing_id}", headers=b.headers), 404)
    assert theirs["title"] == missing["title"]
    assert theirs["detail"].replace(listing["id"], "<id>") == missing["detail"].replace(
        str(missing_id), "<id>"
    )


async def test_drafts_are_visible_to_their_owner_only(client: httpx.AsyncClient, make_org: Any) -> None:
    a, b = await make_org(), await make_org()
    draft = await create_listing(client, a.headers, status="draft")
    url = f"/v1/listings/{draft['id']}"

    own = await client.get(url, headers=a.headers)
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "draft"
    assert_problem(await client.get(url, headers=b.headers), 404)
    assert_problem(await client.get(url), 404)


async def test_external_ref_is_for_the_owner_only(client: httpx.AsyncClient, make_org: Any) -> None:
    a, b = await make_org(), await make_org()
    ref = f"UZ-CER-{secrets.token_hex(4)}"
    word = letters()
    listing = await create_listing(client, a.headers, external_ref=ref, title=f"Glazed plates {word}")
    url = f"/v1/listings/{listing['id']}"

    anonymous = await client.get(url)
    assert anonymous.status_code == 200, anonymous.text
    assert anonymous.json()["id"] == listing["id"]
    assert "external_ref" not in anonymous.json()
    assert ref not in anonymous.text

    other = await client.get(url, headers=b.headers)
    assert other.status_code == 200, other.text
    assert "external_ref" not in other.json()
    assert ref not in other.text

    own = await client.get(url, headers=a.headers)
    assert own.status_code == 200, own.text
    assert own.json()["external_ref"] == ref

    found = await wait_searchable(client, {"q": word}, listing["id"])
    assert ref not in json.dumps(found)


# --------------------------------------------------------------------------------------------
# Organizations: contact details


async def test_contact_is_for_the_organization_and_the_admin_only(
    client: httpx.AsyncClient, admin: dict[str, str], make_org: Any
) -> None:
    """Without an accepted introduction (tests/integration/test_introduction_privacy.py) another
    organization's key sees no more than an anonymous caller: one key cannot scrape contacts."""
    a = await make_org(contact={"email": SECRET_EMAIL, "phone": SECRET_PHONE})
    b = await make_org()
    url = f"/v1/organizations/{a.id}"

    anonymous: dict[str, str] = {}
    for headers in (anonymous, b.headers):
        hidden = await client.get(url, headers=headers)
        assert hidden.status_code == 200, hidden.text
        assert hidden.json()["id"] == a.id
        assert "contact" not in hidden.json()
        assert SECRET_EMAIL not in hidden.text and SECRET_PHONE not in hidden.text

    for headers in (a.headers, admin):
        seen = await client.get(url, headers=headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["contact"] == {"email": SECRET_EMAIL, "phone": SECRET_PHONE}


# --------------------------------------------------------------------------------------------
# Organizations: who may create them


async def test_who_may_create_organizations(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], make_org: Any
) -> None:
    exporter = await make_org()
    chamber = await make_org(kind="chamber")

    before = await organization_count(app)
    assert_problem(await client.post("/v1/organizations", json=member_body()), 401)
    assert_problem(await client.post("/v1/organizations", json=member_body(), headers=exporter.headers), 403)
    assert_problem(
        await client.post("/v1/organizations", json=member_body("chamber"), headers=chamber.headers), 403
    )
    assert await organization_count(app) == before

    by_admin = await client.post("/v1/organizations", json=member_body("importer"), headers=admin)
    assert by_admin.status_code == 201, by_admin.text
    assert by_admin.json()["member_of"] is None

    by_chamber = await client.post("/v1/organizations", json=member_body(), headers=chamber.headers)
    assert by_chamber.status_code == 201, by_chamber.text
    assert by_chamber.json()["member_of"] == chamber.id
    stored = await app.state.pool.fetchval(
        "SELECT member_of FROM organizations WHERE id = $1", UUID(by_chamber.json()["id"])
    )
    assert str(stored) == chamber.id
    assert await organization_count(app) == before + 2


async def test_member_of_a_chamber_cannot_create_organizations(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    chamber = await make_org(kind="chamber")
    member = await client.post("/v1/organizations", json=member_body(), headers=chamber.headers)
    assert member.status_code == 201, member.text
    key = await client.post(
        f"/v1/organizations/{member.json()['id']}/api-keys", json={}, headers=chamber.headers
    )
    assert key.status_code == 201, key.text

    before = await organization_count(app)
    response = await client.post(
        "/v1/organizations", json=member_body(), headers=bearer(key.json()["secret"])
    )
    assert_problem(response, 403)
    assert await organization_count(app) == before


async def test_chamber_key_without_members_write_cannot_create_members(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], make_org: Any
) -> None:
    chamber = await make_org(kind="chamber")
    key = await client.post(
        f"/v1/organizations/{chamber.id}/api-keys", json={"scopes": ["read", "listings:write"]}, headers=admin
    )
    assert key.status_code == 201, key.text
    before = await organization_count(app)
    response = await client.post(
        "/v1/organizations", json=member_body(), headers=bearer(key.json()["secret"])
    )
    assert "members:write" in assert_problem(response, 403)["detail"]
    assert await organization_count(app) == before


# --------------------------------------------------------------------------------------------
# API keys: who may issue them


async def _key_count(app: Litestar, organization_id: str) -> int:
    return int(
        await app.state.pool.fetchval(
            "SELECT count(*) FROM api_keys WHERE organization_id = $1", UUID(organization_id)
        )
    )


async def _me(client: httpx.AsyncClient, secret: str) -> str:
    me = await client.get("/v1/organizations/me", headers=bearer(secret))
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def test_who_may_issue_api_keys(client: httpx.AsyncClient, app: Litestar, make_org: Any) -> None:
    a, b = await make_org(), await make_org()
    chamber = await make_org(kind="chamber")
    member = await client.post("/v1/organizations", json=member_body(), headers=chamber.headers)
    assert member.status_code == 201, member.text
    m_id = member.json()["id"]
    non_member = await make_org()

    # A for B: the same 404 as for an organization that does not exist.
    before_b = await _key_count(app, b.id)
    for_b = assert_problem(
        await client.post(f"/v1/organizations/{b.id}/api-keys", json={}, headers=a.headers), 404
    )
    missing_id = uuid.uuid4()
    for_nobody = assert_problem(
        await client.post(f"/v1/organizations/{missing_id}/api-keys", json={}, headers=a.headers), 404
    )
    assert for_b["title"] == for_nobody["title"]
    assert for_b["detail"].replace(b.id, "<id>") == for_nobody["detail"].replace(str(missing_id), "<id>")
    assert await _key_count(app, b.id) == before_b

    # A for itself.
    own = await client.post(f"/v1/organizations/{a.id}/api-keys", json={"name": "erp"}, headers=a.headers)
    assert own.status_code == 201, own.text
    assert own.json()["organization_id"] == a.id
    assert await _me(client, own.json()["secret"]) == a.id

    # The chamber for its member, and not for a non-member.
    for_member = await client.post(f"/v1/organizations/{m_id}/api-keys", json={}, headers=chamber.headers)
    assert for_member.status_code == 201, for_member.text
    assert for_member.json()["organization_id"] == m_id
    assert await _me(client, for_member.json()["secret"]) == m_id

    before_n = await _key_count(app, non_member.id)
    assert_problem(
        await client.post(f"/v1/organizations/{non_member.id}/api-keys", json={}, headers=chamber.headers),
        404,
    )
    assert await _key_count(app, non_member.id) == before_n

    # A member cannot issue keys for its chamber.
    before_c = await _key_count(app, chamber.id)
    assert_problem(
        await client.post(
            f"/v1/organizations/{chamber.id}/api-keys", json={}, headers=bearer(for_member.json()["secret"])
        ),
        404,
    )
    assert await _key_count(app, chamber.id) == before_c

    # Anonymous.
    before_a = await _key_count(app, a.id)
    response = assert_problem(await client.post(f"/v1/organizations/{a.id}/api-keys", json={}), 401)
    assert response["status"] == 401
    assert await _key_count(app, a.id) == before_a


async def test_read_only_key_cannot_write_or_escalate(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], make_org: Any
) -> None:
    a = await make_org()
    issued = await client.post(f"/v1/organizations/{a.id}/api-keys", json={"scopes": ["read"]}, headers=admin)
    assert issued.status_code == 201, issued.text
    assert issued.json()["scopes"] == ["read"]
    read_only = bearer(issued.json()["secret"])
    assert await _me(client, issued.json()["secret"]) == a.id

    before = await listing_count(app, a.id)
    denied = assert_problem(await client.post("/v1/listings", json=offer_body(), headers=read_only), 403)
    assert "listings:write" in denied["detail"]
    assert await listing_count(app, a.id) == before

    listing = await create_listing(client, a.headers)
    stored = await listing_row(app, listing["id"])
    url = f"/v1/listings/{listing['id']}"
    patched = await client.patch(
        url, json={"title": "Read-only edit"}, headers={**read_only, "If-Match": '"1"'}
    )
    assert "listings:write" in assert_problem(patched, 403)["detail"]
    assert "listings:write" in assert_problem(await client.delete(url, headers=read_only), 403)["detail"]
    assert await listing_row(app, listing["id"]) == stored

    # Without keys:write a key manages no keys, not even ones as narrow as itself.
    keys_before = await _key_count(app, a.id)
    for body in ({"scopes": ["listings:write"]}, {"scopes": ["read"]}, {}):
        refused = await client.post(f"/v1/organizations/{a.id}/api-keys", json=body, headers=read_only)
        assert "keys:write" in assert_problem(refused, 403)["detail"], body
    assert await _key_count(app, a.id) == keys_before

    # With keys:write it issues keys no wider than itself.
    issued = await client.post(
        f"/v1/organizations/{a.id}/api-keys", json={"scopes": ["read", "keys:write"]}, headers=admin
    )
    manager = bearer(issued.json()["secret"])
    keys_before = await _key_count(app, a.id)
    for body in ({"scopes": ["listings:write"]}, {"scopes": ["read", "listings:write"]}, {}):
        escalated = await client.post(f"/v1/organizations/{a.id}/api-keys", json=body, headers=manager)
        assert "listings:write" in assert_problem(escalated, 403)["detail"], body
    assert await _key_count(app, a.id) == keys_before
    same = await client.post(f"/v1/organizations/{a.id}/api-keys", json={"scopes": ["read"]}, headers=manager)
    assert same.status_code == 201, same.text
    assert same.json()["scopes"] == ["read"]


async def test_exporter_key_cannot_grant_members_write(
    client: httpx.AsyncClient, app: Litestar, make_org: Any
) -> None:
    a = await make_org()
    before = await _key_count(app, a.id)
    response = await client.post(
        f"/v1/organizations/{a.id}/api-keys", json={"scopes": ["members:write"]}, headers=a.headers
    )
    assert "members:write" in assert_problem(response, 403)["detail"]
    assert await _key_count(app, a.id) == before


# --------------------------------------------------------------------------------------------
# The admin token acts as no organization


async def test_admin_token_cannot_post_or_change_listings(
    client: httpx.AsyncClient, app: Litestar, admin: dict[str, str], make_org: Any
) -> None:
    before = await app.state.pool.fetchval("SELECT count(*) FROM listings")
    assert_problem(await client.post("/v1/listings", json=offer_body(), headers=admin), 403)
    assert await app.state.pool.fetchval("SELECT count(*) FROM listings") == before

    a = await make_org()
    listing = await create_listing(client, a.headers)
    stored = await listing_row(app, listing["id"])
    url = f"/v1/listings/{listing['id']}"
    assert_problem(
        await client.patch(url, json={"title": "Admin edit"}, headers={**admin, "If-Match": '"1"'}), 403
    )
    assert_problem(await client.delete(url, headers=admin), 403)
    assert await listing_row(app, listing["id"]) == stored


# --------------------------------------------------------------------------------------------
# The search index never holds contact details


async def _all_documents(app: Litestar, settings: Settings) -> list[dict[str, Any]]:
    index = app.state.meili.index(settings.listings_index)
    documents: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await index.get_documents(offset=offset, limit=1000)
        documents.extend(page.results)
        offset += len(page.results)
        if not page.results or offset >= page.total:
            return documents


async def test_search_index_never_holds_contact_details(
    client: httpx.AsyncClient, app: Litestar, settings: Settings, make_org: Any
) -> None:
    org = await make_org(contact={"email": SECRET_EMAIL, "phone": SECRET_PHONE, "website": SECRET_WEBSITE})
    assert org.data["contact"]["email"] == SECRET_EMAIL
    word = letters()
    listing = await create_listing(client, org.headers, title=f"Glazed plates {word}")
    found = await wait_searchable(client, {"q": word}, listing["id"])
    assert SECRET_EMAIL not in json.dumps(found)

    documents = await _all_documents(app, settings)
    ours = [doc for doc in documents if doc["id"] == listing["id"]]
    assert len(ours) == 1, f"listing {listing['id']} is not among {len(documents)} indexed documents"
    assert ours[0]["organization_id"] == org.id
    dumped = json.dumps(documents, ensure_ascii=False)
    for secret in (SECRET_EMAIL, SECRET_PHONE, SECRET_WEBSITE, "secret-contact"):
        assert secret not in dumped, secret
    assert not any("contact" in doc or "contact" in doc.get("organization", {}) for doc in documents)

    raw = await app.state.meili.index(settings.listings_index).search(word)
    assert [hit["id"] for hit in raw.hits] == [listing["id"]]
    assert "secret-contact" not in json.dumps(raw.hits, ensure_ascii=False)

    anonymous: dict[str, str] = {}
    for headers in (anonymous, org.headers):
        seen = await client.get(f"/v1/listings/{listing['id']}", headers=headers)
        assert seen.status_code == 200, seen.text
        assert "secret-contact" not in seen.text


@pytest.mark.parametrize(
    "path", ["/v1/listings", "/v1/commodities?q=plates"], ids=["listings", "commodities"]
)
async def test_public_reads_need_no_key(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
