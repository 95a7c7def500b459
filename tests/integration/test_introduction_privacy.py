"""Contact details after consent: hidden before acceptance, shown to both sides after it, never
to a third party."""

from __future__ import annotations

from typing import Any

import httpx

from tests.helpers import assert_problem
from tests.integration.introductions import BUYER_CONTACT, SELLER_CONTACT, Pair, act, ask, make_pair


async def contact_on_profile(client: httpx.AsyncClient, pair: Pair, viewer: str) -> dict[str, Any] | None:
    """What ``viewer`` (seller or buyer) sees of the other's contact on its organization page."""
    me, other = (pair.seller, pair.buyer) if viewer == "seller" else (pair.buyer, pair.seller)
    seen = await client.get(f"/v1/organizations/{other.id}", headers=me.headers)
    assert seen.status_code == 200, seen.text
    contact: dict[str, Any] | None = seen.json().get("contact")
    return contact


def no_contact_in(response: httpx.Response) -> None:
    for contact in (SELLER_CONTACT, BUYER_CONTACT):
        for value in contact.values():
            assert value not in response.text, value


async def test_contact_is_hidden_until_accepted_then_shown_to_both_sides(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    url = f"/v1/introductions/{intro['id']}"
    for org in (pair.seller, pair.buyer):
        no_contact_in(await client.get(url, headers=org.headers))
    assert await contact_on_profile(client, pair, "seller") is None
    assert await contact_on_profile(client, pair, "buyer") is None

    await act(client, intro["id"], "accept", pair.buyer)
    for org in (pair.seller, pair.buyer):
        shown = (await client.get(url, headers=org.headers)).json()
        assert shown["requester"]["contact"] == SELLER_CONTACT
        assert shown["recipient"]["contact"] == BUYER_CONTACT
    assert await contact_on_profile(client, pair, "seller") == BUYER_CONTACT
    assert await contact_on_profile(client, pair, "buyer") == SELLER_CONTACT


async def test_a_third_party_never_sees_the_introduction_or_the_contacts(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    await act(client, intro["id"], "accept", pair.buyer)
    stranger = await make_org(kind="importer", country="KZ", city="Almaty")
    for path in (f"/v1/introductions/{intro['id']}", f"/v1/introductions/{intro['id']}/messages"):
        hidden = await client.get(path, headers=stranger.headers)
        assert_problem(hidden, 404)
        no_contact_in(hidden)
    for org in (pair.seller, pair.buyer):
        profile = await client.get(f"/v1/organizations/{org.id}", headers=stranger.headers)
        assert "contact" not in profile.json()
        no_contact_in(profile)
    inbox = await client.get("/v1/introductions", headers=stranger.headers)
    assert inbox.json()["introductions"] == []


async def test_a_declined_or_withdrawn_request_shares_nothing(
    client: httpx.AsyncClient, make_org: Any
) -> None:
    declined_pair = await make_pair(client, make_org)
    declined = await ask(client, declined_pair)
    await act(client, declined["id"], "decline", declined_pair.buyer, reason="route")
    withdrawn_pair = await make_pair(client, make_org)
    withdrawn = await ask(client, withdrawn_pair)
    await act(client, withdrawn["id"], "withdraw", withdrawn_pair.seller)
    for pair, intro in ((declined_pair, declined), (withdrawn_pair, withdrawn)):
        for org in (pair.seller, pair.buyer):
            no_contact_in(await client.get(f"/v1/introductions/{intro['id']}", headers=org.headers))
        assert await contact_on_profile(client, pair, "seller") is None
        assert await contact_on_profile(client, pair, "buyer") is None


async def test_the_admin_sees_any_introduction(
    client: httpx.AsyncClient, make_org: Any, admin: dict[str, str]
) -> None:
    pair = await make_pair(client, make_org)
    intro = await ask(client, pair)
    seen = await client.get(f"/v1/introductions/{intro['id']}", headers=admin)
    assert seen.status_code == 200 and seen.json()["role"] is None
    acting = await client.post(f"/v1/introductions/{intro['id']}/accept", headers=admin)
    assert_problem(acting, 403)  # answering is the owner's word, not the platform's
