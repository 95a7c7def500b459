"""`market import FILE`: the documented example, rejects, exit codes, and chambers importing for members."""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path
from uuid import UUID

import httpx

from market.listings.import_files import read_ndjson
from market.listings.importer import acting_caller, import_rows
from market.listings.rejects import RejectsWriter
from tests.helpers import EXAMPLE_CSV, IMPORT_HEADER, Org, run_market


async def _count(app, org_id: str) -> int:
    sql = "SELECT count(*) FROM listings WHERE organization_id = $1::uuid"
    return int(await app.state.pool.fetchval(sql, org_id))


def _rejects(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


async def test_the_documented_example_imports_cleanly_and_again_as_updates(
    client: httpx.AsyncClient, make_org, app, settings, tmp_path: Path
) -> None:
    org = await make_org()
    rejects = tmp_path / "example.rejects.csv"
    first = run_market(
        settings, "import", str(EXAMPLE_CSV), "--organization", org.id, "--rejects", str(rejects)
    )
    assert first.returncode == 0, first.stderr
    assert "5 row(s)" in first.stderr and "5 created, 0 updated, 0 rejected" in first.stderr
    assert not rejects.exists()  # no rejects, no rejects file
    assert await _count(app, org.id) == 5
    # By name this time, and --strict: the same references are replaced, not duplicated.
    again = run_market(
        settings, "import", str(EXAMPLE_CSV), "--organization", org.data["name"], "--rejects", str(rejects),
        "--strict",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "0 created, 5 updated, 0 rejected" in again.stderr
    assert await _count(app, org.id) == 5
    tiles = await app.state.pool.fetchrow(
        "SELECT price, certifications, version FROM listings"
        " WHERE organization_id = $1::uuid AND external_ref = 'TSC-IMP-003'",
        org.id,
    )
    assert tiles["price"] == {"amount": "5.10", "currency": "USD", "per": "MTK"}
    assert tiles["certifications"] == ["GOST 13996-2019", "ISO 13006"] and tiles["version"] == 2


async def test_bad_rows_go_to_the_rejects_file_and_strict_fails(
    make_org, app, settings, tmp_path: Path
) -> None:
    org = await make_org()
    source = tmp_path / "mixed.csv"
    source.write_text(
        f"{IMPORT_HEADER}\n"
        "R-1,offer,Good plates,691200,100,H87,UZ,Tashkent,KZ,Almaty\n"
        "R-2,offer,Bad amount,691200,ten,H87,UZ,Tashkent,KZ,Almaty\n"
        "R-3,offer,Bad code,999999,100,H87,UZ,Tashkent,KZ,Almaty\n"
        "R-4,offer,No origin,691200,100,H87,,,KZ,Almaty\n"
        "R-5,offer,Bad country,691200,100,H87,uz,Tashkent,KZ,Almaty\n"
    )
    lenient = run_market(settings, "import", str(source), "--organization", org.id)
    assert lenient.returncode == 0, lenient.stderr
    assert "1 created, 0 updated, 4 rejected" in lenient.stderr
    rejects = tmp_path / "mixed.rejects.csv"  # the default: next to the input
    found = {(r["line"], r["external_ref"], r["field"]) for r in _rejects(rejects)}
    assert found == {
        ("3", "R-2", "quantity_amount"),
        ("4", "R-3", "hs_code"),
        ("5", "R-4", "origin_country"),
        ("6", "R-5", "origin_country"),
    }
    assert "'ten' is not a number" in rejects.read_text()
    assert await _count(app, org.id) == 1

    strict = run_market(settings, "import", str(source), "--organization", org.id, "--strict")
    assert strict.returncode == 1, strict.stderr
    assert "0 created, 1 updated, 4 rejected" in strict.stderr


async def test_usage_errors_exit_2_and_write_nothing(make_org, app, settings, tmp_path: Path) -> None:
    org = await make_org()
    source = tmp_path / "odd.csv"
    source.write_text("side,title,colour\noffer,Plates,blue\n")
    result = run_market(settings, "import", str(source), "--organization", org.id)
    assert result.returncode == 2
    assert "'colour'" in result.stderr and "quantity_amount" in result.stderr
    assert not (tmp_path / "odd.rejects.csv").exists()
    for args, message in (
        (["--organization", str(UUID(int=1))], "no organization"),
        (["--chamber", org.id], "not a chamber"),
        ([], "exactly one of"),
        (["--organization", org.id, "--chamber", org.id], "exactly one of"),
        (["--organization", org.id, "--rejects", str(EXAMPLE_CSV)], "overwrite the input"),
    ):
        result = run_market(settings, "import", str(EXAMPLE_CSV), *args)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    assert await _count(app, org.id) == 0


async def _member(client: httpx.AsyncClient, chamber: Org) -> str:
    body = {"name": f"Member {secrets.token_hex(3)}", "kind": "exporter", "country": "KZ", "city": "Almaty"}
    created = await client.post("/v1/organizations", json=body, headers=chamber.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_a_chamber_imports_for_its_members_only(
    client: httpx.AsyncClient, make_org, app, settings, tmp_path: Path
) -> None:
    chamber = await make_org(kind="chamber", country="KZ", city="Almaty")
    member, other = await _member(client, chamber), await _member(client, chamber)
    outsider = await make_org(country="KZ", city="Almaty")
    source = tmp_path / "members.csv"
    row = "offer,Plates,691200,100,H87,KZ,Almaty,UZ,Tashkent"
    source.write_text(
        f"on_behalf_of,{IMPORT_HEADER}\n"
        f"{member},M-1,{row}\n{other},M-2,{row}\n{outsider.id},M-3,{row}\nnot-an-id,M-4,{row}\n"
    )
    result = run_market(settings, "import", str(source), "--chamber", chamber.data["name"])
    assert result.returncode == 0, result.stderr
    assert "2 created, 0 updated, 2 rejected" in result.stderr
    assert (await _count(app, member), await _count(app, other), await _count(app, outsider.id)) == (1, 1, 0)
    posted_by = await app.state.pool.fetchval(
        "SELECT posted_by::text FROM listings WHERE organization_id = $1::uuid", member
    )
    assert posted_by == chamber.id
    rejects = _rejects(tmp_path / "members.rejects.csv")
    assert [(r["line"], r["field"]) for r in rejects] == [("4", "on_behalf_of"), ("5", "on_behalf_of")]
    # The same file as an ordinary organization is refused whole: on_behalf_of is for chambers.
    refused = run_market(settings, "import", str(source), "--organization", outsider.id)
    assert refused.returncode == 2 and "--chamber" in refused.stderr


async def test_ndjson_in_small_chunks_keeps_line_numbers(make_org, app, tmp_path: Path) -> None:
    org = await make_org()
    good = (
        '{"side": "offer", "title": "Plates %d", "hs_code": "691200", "external_ref": "N-%d",'
        ' "quantity": {"amount": 10, "unit": "H87"}, "origin": {"country": "UZ", "city": "Tashkent"}}'
    )
    lines = [good % (i, i) for i in range(1, 4)]
    lines[1:1] = ["{broken", ""]  # line 2 unreadable, line 3 blank
    lines.append('{"side": "offer", "title": "No quantity", "external_ref": "N-9"}')
    lines.append(good % (3, 3))  # the same reference twice across chunks: written again
    raw = io.BytesIO("\n".join(lines).encode())
    rejects_path = tmp_path / "rejects.ndjson"
    async with app.state.pool.acquire() as conn:
        caller = await acting_caller(conn, org.id, chamber=False)
    rejects = RejectsWriter(rejects_path)
    seen: list[int] = []
    summary = await import_rows(
        app.state.pool, caller, read_ndjson(raw), rejects, csv_fields=False, batch_size=2, on_rows=seen.append
    )
    rejects.close()
    assert (summary.rows, summary.created, summary.updated, summary.failed) == (6, 3, 1, 2)
    assert seen[-1] == 6
    text = rejects_path.read_text()
    assert '"line":2' in text and '"line":6' in text and '"external_ref":"N-9"' in text
    assert '"field":"quantity"' in text  # NDJSON keeps the API's field names
    assert await _count(app, org.id) == 3
