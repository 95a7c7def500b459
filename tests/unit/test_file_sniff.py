"""Telling what an import file is from its first bytes: workbooks, UTF-16, binaries, code pages,
CR-only lines and the delimiter; and that no UTF-8 text is ever taken for one of them."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.listings.file_sniff import SNIFF_BYTES, byte_lines, delimiter_of, line_end, not_text
from market.listings.import_files import COLUMNS, ImportFileError, read_csv, read_ndjson

__all__ = ["NOT_TEXT"]  # test_import_file_kinds feeds the same files to `market import`

HEADER = "external_ref,side,title,quantity_amount,origin_country,origin_city"
ROWS = "R-1,offer,Тарелки керамические,100,UZ,Ташкент\nR-2,demand,Пшеница,5000,KZ,Костанай\n"
TEXT = f"{HEADER}\n{ROWS}"


def xlsx() -> bytes:
    """A minimal Office Open XML workbook, laid out as Excel writes one."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/"/>')
        book.writestr("_rels/.rels", "<Relationships/>")
        book.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Sheet1'/></sheets></workbook>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return out.getvalue()


def ods() -> bytes:
    """A minimal OpenDocument spreadsheet: the uncompressed mimetype entry comes first."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


# An Excel 97-2003 file starts with the Compound File Binary header (MS-CFB 2.2).
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + bytes(488)

NOT_TEXT = {
    "xlsx": (xlsx(), "an Excel workbook (.xlsx)"),
    "ods": (ods(), "spreadsheet (.ods)"),
    "xls": (XLS, "Excel 97-2003 workbook (.xls)"),
    "utf-16 with BOM": (TEXT.encode("utf-16"), "UTF-16 LE text"),
    "utf-16-be with BOM": (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16 BE text"),
    "utf-16-le without BOM": (TEXT.encode("utf-16-le"), "UTF-16 LE text without a byte-order mark"),
    "utf-16-be without BOM": (TEXT.encode("utf-16-be"), "UTF-16 BE text without a byte-order mark"),
    "binary with NUL": (bytes(range(256)) * 8, "a binary file"),
    "binary without NUL": (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 4, "a binary file"),
    "windows-1251": (TEXT.encode("cp1251"), "Windows-1251 (Cyrillic)"),
    "windows-1252": ("title,origin_city\nCafé crème,Zürich\n".encode("cp1252"), "8-bit code page"),
}


@pytest.mark.parametrize("kind", NOT_TEXT)
def test_a_file_that_is_not_utf8_text_is_named(kind: str) -> None:
    data, named = NOT_TEXT[kind]
    found = not_text(data[:SNIFF_BYTES], whole=len(data) <= SNIFF_BYTES)
    assert found is not None and named in found


@pytest.mark.parametrize("kind", NOT_TEXT)
def test_reading_it_fails_at_once_with_how_to_save_it(kind: str) -> None:
    data, named = NOT_TEXT[kind]
    with pytest.raises(ImportFileError) as info:
        read_csv(io.BytesIO(data), chamber=False)
    message = str(info.value)
    assert named in message and "not CSV UTF-8 text" in message and "nothing was imported" in message
    assert "'CSV UTF-8 (Comma delimited) (*.csv)'" in message and "'Unicode (UTF-8)'" in message


@pytest.mark.parametrize("kind", ["xlsx", "utf-16 with BOM", "binary with NUL"])
def test_an_ndjson_file_that_is_not_utf8_text_fails_at_once_too(kind: str) -> None:
    data, named = NOT_TEXT[kind]
    with pytest.raises(ImportFileError) as info:
        read_ndjson(io.BytesIO(data))
    message = str(info.value)
    assert named in message and "not UTF-8 NDJSON" in message and "one JSON object per line" in message


_TEXT_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")  # no surrogates


@settings(max_examples=300, deadline=None)
@given(text=st.text(_TEXT_CHARS), cut=st.integers(min_value=0, max_value=64))
def test_utf8_text_is_never_refused_even_when_the_head_cuts_a_character(text: str, cut: int) -> None:
    data = text.encode()
    assert not_text(data, whole=True) is None
    assert not_text(data[: max(0, len(data) - cut)], whole=False) is None


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=4),
    codec=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]),
)
def test_ascii_csv_saved_as_utf16_is_always_recognised(text: str, codec: str) -> None:
    found = not_text(text.encode(codec), whole=True)
    assert found is not None and "UTF-16" in found


def test_the_first_line_ending_decides_cr_only() -> None:
    assert line_end(b"title\rA\r") == b"\r"
    assert line_end(b"title\r\nA\r\n") == b"\n"
    assert line_end(b"title\nA\rB\n") == b"\n"  # a lone CR inside a later cell does not count
    assert line_end(b"title") == b"\n"


def test_lines_continue_across_the_head() -> None:
    data = b"ab\rcd\ref\rg"
    assert list(byte_lines(data[:4], io.BytesIO(data[4:]), b"\r", chunk=3)) == [
        b"ab\r",
        b"cd\r",
        b"ef\r",
        b"g",
    ]


_CELLS = st.lists(
    st.text(st.characters(min_codepoint=32, max_codepoint=0x44F, exclude_characters="\x7f"), max_size=12),
    min_size=2,
    max_size=2,
)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(_CELLS, min_size=1, max_size=8), ending=st.sampled_from(["\r", "\r\n", "\n"]))
def test_cr_crlf_and_lf_files_read_the_same(rows: list[list[str]], ending: str) -> None:
    def written(terminator: str) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=terminator)
        writer.writerow(["title", "description"])
        writer.writerows(rows)
        return out.getvalue().encode()

    def read(data: bytes) -> list[object]:
        return [(r.line, r.item, r.errors) for r in read_csv(io.BytesIO(data), chamber=False)]

    assert read(written(ending)) == read(written("\n"))


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(st.sampled_from(sorted(COLUMNS)), min_size=2, max_size=6, unique=True),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_the_delimiter_is_the_one_that_splits_the_header_into_known_columns(
    names: list[str], delimiter: str
) -> None:
    assert delimiter_of(delimiter.join(names) + "\r\n", COLUMNS) == delimiter


def test_one_column_and_unknown_headers_stay_comma_delimited() -> None:
    assert delimiter_of("title\n", COLUMNS) == ","
    assert delimiter_of("colour;shape\n", COLUMNS) == ","


def test_semicolon_and_tab_files_are_read_with_quoted_lists() -> None:
    for delimiter in (";", "\t"):
        data = f'title{delimiter}target_countries\nPlates{delimiter}"KZ;UZ"\n'.encode()
        [row] = read_csv(io.BytesIO(data), chamber=False)
        assert row.item == {"title": "Plates", "target_countries": ["KZ", "UZ"]}


def test_a_decimal_comma_is_rejected_with_how_to_write_it() -> None:
    [row] = read_csv(io.BytesIO(b"title;price_amount\nPlates;1,80\n"), chamber=False)
    assert row.errors == (
        ("price_amount", "'1,80' is not a number; write decimals with a dot and no thousands separators"),
    )
