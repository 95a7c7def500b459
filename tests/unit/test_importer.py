"""Reading import files: CSV columns to listing bodies, unreadable rows, and the rejects file."""

from __future__ import annotations

import io
from pathlib import Path

import msgspec
import pytest

from market.listings.file_sniff import SNIFF_BYTES
from market.listings.import_files import (
    COLUMNS,
    ImportFileError,
    column_for,
    format_of,
    read_csv,
    read_ndjson,
)
from market.listings.rejects import RejectsWriter, rejects_path_for
from market.listings.validation import check_listing
from schemas.listings import ListingCreate
from tests.helpers import EXAMPLE_CSV


def _csv(text: str, *, chamber: bool = False, encoding: str = "utf-8") -> list:
    return list(read_csv(io.BytesIO(text.encode(encoding)), chamber=chamber))


def test_every_listing_field_has_a_column_and_every_column_a_field() -> None:
    assert {column.path[0] for column in COLUMNS.values()} == set(ListingCreate.__struct_fields__)


def test_flat_columns_become_the_nested_body() -> None:
    [row] = _csv(
        "side,title,quantity_amount,quantity_unit,price_amount,price_currency,price_per,"
        "origin_country,origin_city,origin_lat,target_countries,transport_modes,description\n"
        'offer,Plates,20000,H87,1.80,USD,H87,UZ,Tashkent,40.5,KZ; KG,road;rail,""\n'
    )
    assert row.line == 2 and row.errors == ()
    assert row.item == {
        "side": "offer",
        "title": "Plates",
        "quantity": {"amount": 20000, "unit": "H87"},
        "price": {"amount": "1.80", "currency": "USD", "per": "H87"},  # money stays a string
        "origin": {"country": "UZ", "city": "Tashkent", "lat": 40.5},
        "target_countries": ["KZ", "KG"],
        "transport_modes": ["road", "rail"],
    }
    assert isinstance(row.item["quantity"]["amount"], int)


def test_a_cell_that_is_not_a_number_rejects_the_row_by_its_column() -> None:
    rows = _csv(
        "external_ref,quantity_amount,price_amount,origin_lon\nA-1,ten,1.5,69\nA-2,5,abc,east\nA-3,2.5,,\n"
    )
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].item is None and rows[0].external_ref == "A-1"
    assert rows[0].errors == (("quantity_amount", "'ten' is not a number"),)
    assert rows[1].errors == (
        ("price_amount", "'abc' is not a number"),
        ("origin_lon", "'east' is not a number"),
    )
    assert rows[2].item == {"external_ref": "A-3", "quantity": {"amount": 2.5}}


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
def test_nan_and_infinity_are_not_numbers(value: str) -> None:
    [row] = _csv(f"quantity_amount\n{value}\n")
    assert row.errors == (("quantity_amount", f"'{value}' is not a number"),)


def test_an_unknown_column_fails_at_once_naming_the_known_ones() -> None:
    with pytest.raises(ImportFileError) as info:
        read_csv(io.BytesIO(b"side,title,qty\noffer,x,1\n"), chamber=False)
    message = str(info.value)
    assert "'qty'" in message and "quantity_amount" in message and "price_per" in message


def test_header_problems_fail_at_once() -> None:
    with pytest.raises(ImportFileError, match="named twice: title"):
        read_csv(io.BytesIO(b"title,Title\n"), chamber=False)
    with pytest.raises(ImportFileError, match="empty header"):
        read_csv(io.BytesIO(b""), chamber=False)
    with pytest.raises(ImportFileError, match="--chamber"):
        read_csv(io.BytesIO(b"title,on_behalf_of\n"), chamber=False)
    with pytest.raises(ImportFileError, match="the header row is not valid CSV"):
        read_csv(io.BytesIO(b'title,"side\n'), chamber=False)
    assert read_csv(io.BytesIO(b"title,on_behalf_of\n"), chamber=True) is not None


def test_header_is_read_loosely_and_a_spreadsheet_bom_is_dropped() -> None:
    [row] = _csv("\ufeff Title , SIDE\nPlates,offer\n")
    assert row.item == {"title": "Plates", "side": "offer"}


def test_line_numbers_follow_the_file_across_quoted_newlines_and_blank_lines() -> None:
    rows = _csv('title,description\nA,"two\nlines"\n\nB,x\n,\n')
    assert [(r.line, r.item) for r in rows] == [
        (2, {"title": "A", "description": "two\nlines"}),
        (5, {"title": "B", "description": "x"}),
    ]


def test_broken_rows_are_rejected_and_the_rest_still_read() -> None:
    data = b'title,side\nA,offer,extra\nB,"off"er\nD,demand\n'
    rows = list(read_csv(io.BytesIO(data), chamber=False))
    assert [r.line for r in rows] == [2, 3, 4]
    assert "3 cells but the header names 2" in rows[0].errors[0][1]
    assert "line 3 is not valid CSV" in rows[1].errors[0][1]
    assert rows[2].item == {"title": "D", "side": "demand"}


def test_a_line_that_is_not_utf8_past_the_sniffed_head_is_rejected_alone() -> None:
    # The encoding is judged on the first SNIFF_BYTES; a stray byte further on costs its row only.
    filler = b"".join(b"T%d,offer\n" % i for i in range(SNIFF_BYTES // 8))
    data = b"title,side\n" + filler + b"C\xff,offer\nD,demand\n"
    rows = list(read_csv(io.BytesIO(data), chamber=False))
    bad, last = rows[-2:]
    assert bad.line == len(rows) and bad.errors == (
        ("", f"line {bad.line} is not UTF-8 text; save the file as 'CSV UTF-8'"),
    )
    assert last.item == {"title": "D", "side": "demand"}
    with pytest.raises(ImportFileError, match="Windows-1252"):
        read_csv(io.BytesIO(b"title,side\nC\xff,offer\n"), chamber=False)  # within the head


def test_bytes_read_are_counted() -> None:
    seen: list[int] = []
    data = b"title\nA\nB\n"
    list(read_csv(io.BytesIO(data), chamber=False, on_bytes=seen.append))
    assert sum(seen) == len(data)


def test_ndjson_lines() -> None:
    data = b'{"title": "A", "external_ref": "R-1"}\n\n{"title": \n[1, 2]\n{"external_ref": 5}\n'
    rows = list(read_ndjson(io.BytesIO(data)))
    assert [r.line for r in rows] == [1, 3, 4, 5]
    assert rows[0].item == {"title": "A", "external_ref": "R-1"} and rows[0].external_ref == "R-1"
    assert rows[1].item is None and "line 3 is not valid JSON" in rows[1].errors[0][1]
    assert rows[2].errors == (("", "line 4 is not a JSON object"),)
    assert rows[3].item == {"external_ref": 5} and rows[3].external_ref is None


@pytest.mark.parametrize(
    ("field", "column"),
    [
        ("quantity.amount", "quantity_amount"),
        ("price.per", "price_per"),
        ("target_countries.2", "target_countries"),
        ("origin", "origin_country"),
        ("min_order", "min_order_amount"),
        ("hs_code", "hs_code"),
        ("body", ""),
        ("", ""),
        ("colour", "colour"),
    ],
)
def test_api_fields_name_csv_columns(field: str, column: str) -> None:
    assert column_for(field) == column


def test_format_and_rejects_path_come_from_the_file_name(tmp_path: Path) -> None:
    assert format_of(Path("a/listings.CSV"), None) == "csv"
    assert format_of(Path("feed.jsonl"), None) == "ndjson"
    assert format_of(Path("feed.txt"), "ndjson") == "ndjson"
    with pytest.raises(ImportFileError, match="--format"):
        format_of(Path("feed.txt"), None)
    with pytest.raises(ImportFileError, match=r"listings\.xlsx is a spreadsheet workbook.*'CSV UTF-8"):
        format_of(Path("listings.xlsx"), None)
    assert rejects_path_for(Path("in/listings.csv")) == Path("in/listings.rejects.csv")
    assert rejects_path_for(Path("in/feed")) == Path("in/feed.rejects.csv")


def test_rejects_are_written_as_csv_or_ndjson(tmp_path: Path) -> None:
    for name in ("r.csv", "r.ndjson"):
        writer = RejectsWriter(tmp_path / name)
        writer.add(7, "A-1", "quantity_amount", "'ten' is not a number")
        writer.add(9, None, "", 'line 9 is not valid JSON: "x"')
        writer.close()
        assert writer.count == 2
    assert (tmp_path / "r.csv").read_text().splitlines() == [
        "line,external_ref,field,message",
        "7,A-1,quantity_amount,'ten' is not a number",
        '9,,,"line 9 is not valid JSON: ""x"""',
    ]
    lines = (tmp_path / "r.ndjson").read_bytes().splitlines()
    assert msgspec.json.decode(lines[1]) == {
        "line": 9,
        "external_ref": None,
        "field": "",
        "message": 'line 9 is not valid JSON: "x"',
    }


def test_the_documented_example_reads_into_valid_listings() -> None:
    with EXAMPLE_CSV.open("rb") as raw:
        rows = list(read_csv(raw, chamber=False))
    assert len(rows) == 5
    for row in rows:
        assert row.errors == (), row
        check_listing(msgspec.convert(row.item, ListingCreate))
