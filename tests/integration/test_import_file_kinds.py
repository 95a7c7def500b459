"""`market import` on what spreadsheets really save: files that are not CSV UTF-8 are refused
whole with what they are and how to save them, and CR-only or semicolon files are imported."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLE_CSV, run_market
from tests.unit.test_file_sniff import NOT_TEXT


async def _count(app: Any, org_id: str) -> int:
    sql = "SELECT count(*) FROM listings WHERE organization_id = $1::uuid"
    return int(await app.state.pool.fetchval(sql, org_id))


def _unboxed(stderr: str) -> str:
    """The error as one line: rich-click draws it in a box and wraps it to the terminal."""
    return " ".join(word for word in stderr.split() if word.strip("│╭╮╰╯─"))


REFUSED = (
    "xlsx", "ods", "xls", "utf-16 with BOM", "utf-16-le without BOM", "binary with NUL", "windows-1251"
)  # fmt: skip


@pytest.mark.parametrize("kind", REFUSED)
async def test_a_file_that_is_not_csv_utf8_is_refused_whole(
    kind: str, make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    data, named = NOT_TEXT[kind]
    source = tmp_path / "listings.csv"
    source.write_bytes(data)
    result = run_market(settings, "import", str(source), "--organization", org.id)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "unknown column" not in result.stderr
    message = _unboxed(result.stderr)
    assert named in message and "not CSV UTF-8 text; nothing was imported" in message, message
    assert "'CSV UTF-8 (Comma delimited) (*.csv)'" in message
    assert not (tmp_path / "listings.rejects.csv").exists()
    assert await _count(app, org.id) == 0


def _example_saved_as(delimiter: str, line_end: str) -> str:
    rows = list(csv.reader(io.StringIO(EXAMPLE_CSV.read_text(encoding="utf-8"))))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(
    ("delimiter", "line_end", "bom"),
    [
        (",", "\r", ""),  # Excel for old Mac OS: CR-only lines
        (";", "\r\n", "\ufeff"),  # Excel with a European list separator, as CSV UTF-8
        ("\t", "\r\n", ""),  # Excel's "Text (Tab delimited)"
    ],
)
async def test_cr_only_semicolon_and_tab_files_import_like_the_example(
    delimiter: str, line_end: str, bom: str, make_org: Any, app: Any, settings: Any, tmp_path: Path
) -> None:
    org = await make_org()
    source = tmp_path / "listings.csv"
    source.write_bytes((bom + _example_saved_as(delimiter, line_end)).encode())
    if line_end == "\r":
        assert b"\n" not in source.read_bytes()
    result = run_market(settings, "import", str(source), "--organization", org.id)
    assert result.returncode == 0, result.stderr
    assert "5 created, 0 updated, 0 rejected" in result.stderr
    tiles = await app.state.pool.fetchrow(
        "SELECT description, certifications FROM listings"
        " WHERE organization_id = $1::uuid AND external_ref = 'TSC-IMP-003'",
        org.id,
    )
    with EXAMPLE_CSV.open(encoding="utf-8") as example:
        expected = next(r for r in csv.DictReader(example) if r["external_ref"] == "TSC-IMP-003")
    assert tiles["description"] == expected["description"]  # quoted quotes survive the delimiter
    assert tiles["certifications"] == ["GOST 13996-2019", "ISO 13006"]  # a ';' list in a ';' file
