"""Listing files for ``market import``: CSV (a header row, flat columns) and NDJSON (one
listing body per line), read row by row so a file of any size streams.

A CSV column is a field of ``POST /v1/listings``; a nested field is ``<object>_<field>``
(``quantity.amount`` is ``quantity_amount``, ``price.per`` is ``price_per``), and a list is one cell
with ``;`` between items. An empty cell means "not given". A row that cannot even be read (bad
JSON, a number that is not one, a broken quote) comes out with its errors instead of a body.
Before that, ``market.listings.file_sniff`` tells from the first bytes whether the file is text at
all, and how a CSV file's lines end and its cells are separated.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from itertools import chain
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

import msgspec

from market.listings.file_sniff import (
    SAVE_AS_CSV_UTF8,
    SAVE_AS_NDJSON,
    SNIFF_BYTES,
    byte_lines,
    delimiter_of,
    line_end,
    not_text,
)

__all__ = [
    "COLUMNS",
    "FORMAT_BY_SUFFIX",
    "Column",
    "Format",
    "ImportFileError",
    "Row",
    "column_for",
    "format_of",
    "read_csv",
    "read_ndjson",
]

Format = Literal["csv", "ndjson"]
FORMAT_BY_SUFFIX: dict[str, Format] = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson"}
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".numbers"})
LIST_SEPARATOR = ";"


class ImportFileError(Exception):
    """The file (or the command line) cannot be imported at all: nothing was written for it."""


class Column(NamedTuple):
    """Where a CSV column goes in the listing body, and how its cells are read."""

    path: tuple[str, ...]
    kind: Literal["text", "number", "decimal", "list"]


def _columns() -> dict[str, Column]:
    """Top-level fields keep their names; a nested one is ``<object>_<field>`` (price.per: price_per)."""
    columns = {
        name: Column((name,), "text")
        for name in (
            "side", "title", "description", "hs_code", "status", "incoterm", "incoterm_place",
            "available_from", "available_until", "expires_at", "external_ref", "on_behalf_of",
        )
    }  # fmt: skip
    for name in ("target_countries", "transport_modes", "certifications"):
        columns[name] = Column((name,), "list")
    for quantity in ("quantity", "min_order"):
        columns[f"{quantity}_amount"] = Column((quantity, "amount"), "number")
        columns[f"{quantity}_unit"] = Column((quantity, "unit"), "text")
    columns["price_amount"] = Column(("price", "amount"), "decimal")  # money stays a decimal string
    columns["price_currency"] = Column(("price", "currency"), "text")
    columns["price_per"] = Column(("price", "per"), "text")
    for place in ("origin", "destination"):
        columns[f"{place}_country"] = Column((place, "country"), "text")
        columns[f"{place}_city"] = Column((place, "city"), "text")
        columns[f"{place}_lat"] = Column((place, "lat"), "number")
        columns[f"{place}_lon"] = Column((place, "lon"), "number")
    return columns


COLUMNS: dict[str, Column] = _columns()


def column_for(field: str) -> str:
    """The CSV column an API field path points at: ``price.amount`` -> ``price_amount``,
    ``target_countries.2`` -> ``target_countries``, ``origin`` -> ``origin_country``; the whole
    row (``body``) is the empty name."""
    parts = [p for p in field.split(".") if not p.isdigit()]
    name = "_".join(parts)
    if name in COLUMNS or name in ("", "body"):
        return "" if name == "body" else name
    first = next((c for c, col in COLUMNS.items() if col.path[0] == parts[0]), None)
    return first or name


class Row(NamedTuple):
    """One input record: its line, the body to write, or why it could not be read."""

    line: int
    item: dict[str, Any] | None
    external_ref: str | None = None
    errors: tuple[tuple[str, str], ...] = ()  # (field, message) when item is None


def _cell(kind: str, text: str) -> Any:
    if kind == "list":
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    if kind == "text":
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        # European spreadsheets write 1,80 and 20 000; the API reads 1.80 and 20000 only.
        hint = "; write decimals with a dot and no thousands separators" if {",", " "} & set(text) else ""
        raise ValueError(f"'{text}' is not a number{hint}") from None
    if not number.is_finite():
        raise ValueError(f"'{text}' is not a number")
    if kind == "decimal":
        return text
    return int(number) if number == number.to_integral_value() and "." not in text else float(number)


def _csv_row(line: int, header: list[str], cells: list[str]) -> Row:
    if len(cells) > len(header):
        message = f"line {line} has {len(cells)} cells but the header names {len(header)} columns"
        return Row(line, None, None, (("", message),))
    body: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, raw in zip(header, cells, strict=False):  # missing trailing cells are empty
        text = raw.strip()
        if not text:
            continue  # an empty cell means "not given"
        path, kind = COLUMNS[name]
        try:
            value = _cell(kind, text)
        except ValueError as exc:
            errors.append((name, str(exc)))
            continue
        target = body
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    ref = body.get("external_ref")
    return Row(line, None if errors else body, ref, tuple(errors))


def _header(cells: list[str], chamber: bool) -> list[str]:
    header = [c.strip().lower() for c in cells]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown or not any(header):
        raise ImportFileError(
            f"unknown column(s) {', '.join(repr(c) for c in unknown) or '(empty header)'}; "
            f"known columns: {', '.join(COLUMNS)}"
        )
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise ImportFileError(f"column(s) named twice: {', '.join(repeated)}")
    if "on_behalf_of" in header and not chamber:
        raise ImportFileError("the on_behalf_of column is for chambers: import with --chamber")
    return header


def _lines(raw: Iterable[bytes], bad: set[int], on_bytes: Callable[[int], object]) -> Iterator[str]:
    """Decoded lines, counting bytes; a line that is not UTF-8 is noted (and decoded anyhow)."""
    for number, data in enumerate(raw, start=1):
        on_bytes(len(data))
        if number == 1:
            data = data.removeprefix(b"\xef\xbb\xbf")  # spreadsheets' "CSV UTF-8" starts with a BOM
        try:
            yield data.decode()
        except UnicodeDecodeError:
            bad.add(number)
            yield data.decode(errors="replace")


def _head(raw: IO[bytes], expected: str, advice: str) -> bytes:
    """The first bytes of the file, refused at once (naming what the file is) when not UTF-8 text."""
    head = raw.read(SNIFF_BYTES)
    found = not_text(head, whole=len(head) < SNIFF_BYTES)
    if found:
        raise ImportFileError(
            f"the file is {found}, not {expected}; nothing was imported. To import it, {advice}"
        )
    return head


def read_csv(raw: IO[bytes], *, chamber: bool, on_bytes: Callable[[int], object] = int) -> Iterator[Row]:
    """Rows of a CSV file with a header row, delimited by commas, semicolons or tabs, lines
    ending in LF, CRLF or CR. What the file is and its header are checked at once:
    ImportFileError names a file that is not CSV text, or unknown columns, before any row is read."""
    head = _head(raw, "CSV UTF-8 text", SAVE_AS_CSV_UTF8)
    bad: set[int] = set()
    lines = _lines(byte_lines(head, raw, line_end(head)), bad, on_bytes)
    first = next(lines, "")
    reader = csv.reader(chain([first], lines), strict=True, delimiter=delimiter_of(first, COLUMNS))
    try:
        cells = next(reader, [])
    except csv.Error as exc:
        raise ImportFileError(f"the header row is not valid CSV ({exc}); {SAVE_AS_CSV_UTF8}") from None
    return _csv_records(reader, _header(cells, chamber), bad)


def _csv_records(reader: Any, header: list[str], bad: set[int]) -> Iterator[Row]:
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Row(start, None, None, (("", f"line {start} is not valid CSV: {exc}"),))
            continue
        if not any(c.strip() for c in cells):
            continue
        if bad.intersection(range(start, reader.line_num + 1)):
            message = f"line {start} is not UTF-8 text; save the file as 'CSV UTF-8'"
            yield Row(start, None, None, (("", message),))
            continue
        yield _csv_row(start, header, cells)


def read_ndjson(raw: IO[bytes], *, on_bytes: Callable[[int], object] = int) -> Iterator[Row]:
    """Rows of an NDJSON file: one listing body (a JSON object) per line; blank lines skipped.
    A file that is not UTF-8 text (a workbook, UTF-16) is refused at once with ImportFileError."""
    return _ndjson_records(byte_lines(_head(raw, "UTF-8 NDJSON", SAVE_AS_NDJSON), raw, b"\n"), on_bytes)


def _ndjson_records(lines: Iterable[bytes], on_bytes: Callable[[int], object]) -> Iterator[Row]:
    decoder = msgspec.json.Decoder()
    for line, data in enumerate(lines, start=1):
        on_bytes(len(data))
        if not data.strip():
            continue
        try:
            item = decoder.decode(data)
        except msgspec.DecodeError as exc:
            yield Row(line, None, None, (("", f"line {line} is not valid JSON: {exc}"),))
            continue
        if not isinstance(item, dict):
            yield Row(line, None, None, (("", f"line {line} is not a JSON object"),))
            continue
        ref = item.get("external_ref")
        yield Row(line, item, ref if isinstance(ref, str) else None)


def format_of(source: Path, given: str | None) -> Format:
    if given in ("csv", "ndjson"):
        return given  # type: ignore[return-value]
    found = FORMAT_BY_SUFFIX.get(source.suffix.lower())
    if source.suffix.lower() in WORKBOOK_SUFFIXES and given is None:
        raise ImportFileError(
            f"{source.name} is a spreadsheet workbook, not a CSV file; nothing was imported. "
            f"To import it, {SAVE_AS_CSV_UTF8}"
        )
    if found is None:
        raise ImportFileError(
            f"cannot tell the format of {source.name} from its extension; pass --format csv or ndjson"
        )
    return found
