"""A chamber in the browser: adds and verifies a member, imports a CSV file with bad rows."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from playwright.async_api import FilePayload, expect

from tests.browser.conftest import Visit
from tests.browser.test_listing_forms import sign_in
from tests.helpers import letters

HEADER = (
    "external_ref,side,title,hs_code,quantity_amount,quantity_unit,origin_country,origin_city,on_behalf_of"
)


async def test_a_chamber_adds_a_member_and_imports_a_file_with_bad_rows(
    visit: Visit, app: Litestar, client: httpx.AsyncClient, make_org: Any
) -> None:
    chamber = await make_org(kind="chamber", country="UZ", city="Tashkent")
    page = visit.page
    await sign_in(visit, chamber.key)
    await page.get_by_role("link", name="Chamber", exact=True).click()
    member_name = f"Fergana Ceramics {letters()}"
    await page.get_by_label("Name", exact=True).fill(member_name)
    await page.get_by_label("Town").fill("Fergana")
    await page.get_by_role("button", name="Add", exact=True).click()
    row = page.locator("tr", has=page.get_by_text(member_name))
    await row.get_by_role("button", name="Verify").click()
    await expect(page.locator("tr", has=page.get_by_text(member_name))).to_contain_text("verified")
    await visit.assert_accessible()
    member = await app.state.pool.fetchval("SELECT id FROM organizations WHERE name = $1", member_name)
    tag = letters()
    rows = [
        f"{tag}-1,offer,Plates {tag},691200,2000,H87,UZ,Fergana,{member}",
        f"{tag}-2,offer,Bowls {tag},691200,many,H87,UZ,Fergana,{member}",
        f"{tag}-3,offer,Tiles {tag},690721,500,MTK,UZ,Rishton,{member}",
        f"{tag}-4,offer,Cups {tag},12,100,H87,UZ,Fergana,{member}",
    ]
    csv_bytes = "\n".join([HEADER, *rows, ""]).encode()
    upload: FilePayload = {"name": "listings.csv", "mimeType": "text/csv", "buffer": csv_bytes}
    await page.locator("#import-file").set_input_files(files=[upload])
    await page.get_by_role("button", name="Import", exact=True).click()
    await expect(page.locator("#import-result")).to_contain_text("4 rows: 2 created, 0 updated, 2 rejected.")
    table = page.locator("table.rejects")
    await expect(table).to_contain_text("quantity_amount")
    await expect(table).to_contain_text("hs_code")
    await expect(table.locator("tbody tr")).to_have_count(2)
    await visit.assert_accessible()
    owned = await app.state.pool.fetchval("SELECT count(*) FROM listings WHERE organization_id = $1", member)
    assert owned == 2  # the good rows belong to the member
