"""What an import file really is, told from its first bytes, before a row is read.

Spreadsheets save many things under a ``.csv`` name: a workbook renamed by hand, "Unicode
text" (UTF-16), a file in the Windows code page (Windows-1251 for Russian), old Mac Excel's CR-only
lines, European Excel's semicolons. Read as CSV UTF-8 each of these turns into one garbled
"unknown column" or a traceback, so they are recognised here instead: ``not_text`` names what
a file that cannot be read is, and ``line_end`` and ``delimiter_of`` describe the ones that can.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Collection, Iterator
from typing import IO

__all__ = [
    "DELIMITERS",
    "SAVE_AS_CSV_UTF8",
    "SAVE_AS_NDJSON",
    "SNIFF_BYTES",
    "byte_lines",
    "delimiter_of",
    "line_end",
    "not_text",
]

SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")  # comma, European Excel's semicolon, Excel's "Text (Tab delimited)"

SAVE_AS_CSV_UTF8 = (
    "open it in Excel and use File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)', or in "
    "LibreOffice Calc File > Save As > 'Text CSV (.csv)' with character set 'Unicode (UTF-8)' "
    "and field delimiter ',', then import the saved .csv file"
)
SAVE_AS_NDJSON = "write it as UTF-8 text with one JSON object per line"

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, .doc, .msg
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a ZIP archive: .xlsx, .ods, .docx
_UTF16_BOMS = {codecs.BOM_UTF16_LE: "UTF-16 LE", codecs.BOM_UTF16_BE: "UTF-16 BE"}
_WORD = re.compile(r"[^\W\d_]+")
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c")


def _workbook(head: bytes) -> str:
    # The first entry names the kind: ODF stores its "mimetype" first, OOXML has xl/ parts.
    if b"opendocument.spreadsheet" in head:
        return "a LibreOffice/OpenOffice spreadsheet (.ods) saved under another name"
    if b"xl/" in head:
        return "an Excel workbook (.xlsx) saved under another name"
    if b"word/" in head:
        return "a Word document (.docx), not a spreadsheet"
    return "a ZIP archive (perhaps an .xlsx or .ods workbook renamed)"


def _utf16_without_bom(head: bytes) -> str | None:
    """ASCII text in UTF-16 is every other byte NUL: at odd positions LE, at even ones BE."""
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 4:
        return None
    half = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd >= 0.6 * half and even <= 0.1 * half:
        return "UTF-16 LE"
    if even >= 0.6 * half and odd <= 0.1 * half:
        return "UTF-16 BE"
    return None


def _is_cyrillic(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff"


def _legacy_encoding(head: bytes) -> str:
    """Windows-1251 when the text reads as Cyrillic words in it, else some other code page.

    Excel saves "CSV" in the Windows code page: 1251 on Russian, Kazakh, Uzbek or Tajik Windows,
    1252 on Western ones. Western text read as 1251 gives words mixing Latin and Cyrillic letters
    ("Café" is "Cafй"), so the share of words with Cyrillic letters that are Cyrillic throughout
    tells them apart. A general detector (charset-normalizer) was tried and named cp1258 for a
    short Windows-1251 file and Shift JIS for a KOI8-R one.
    """
    words = [w for w in _WORD.findall(head.decode("cp1251", errors="replace")) if any(map(_is_cyrillic, w))]
    if words and sum(all(map(_is_cyrillic, w)) for w in words) >= 0.8 * len(words):
        return "text in Windows-1251 (Cyrillic)"
    return "text in a legacy 8-bit code page (such as Windows-1252)"


def not_text(head: bytes, *, whole: bool) -> str | None:
    """What the file is when its first bytes are not UTF-8 text ("an Excel workbook ..."), or
    None. ``whole`` says ``head`` is the entire file (so a last character cannot be cut short)."""
    if head.startswith(_ZIP):
        return _workbook(head)
    if head.startswith(_OLE):
        return "an Excel 97-2003 workbook (.xls) or another Office document saved under another name"
    for bom, name in _UTF16_BOMS.items():
        if head.startswith(bom):
            return f"{name} text (what Excel saves as 'Unicode Text')"
    if b"\x00" in head:
        utf16 = _utf16_without_bom(head)
        return f"{utf16} text without a byte-order mark" if utf16 else "a binary file (it holds NUL bytes)"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        controls = sum(b < 32 and b not in _TEXT_CONTROLS for b in head)
        return "a binary file" if controls > len(head) // 100 else _legacy_encoding(head)
    return None


def line_end(head: bytes) -> bytes:
    """``\\r`` when the first line ends in a lone CR (Excel for old Mac OS), else ``\\n``
    (which covers Windows' CRLF too)."""
    cr, lf = head.find(b"\r"), head.find(b"\n")
    if cr != -1 and (lf == -1 or cr < lf) and head[cr + 1 : cr + 2] != b"\n":
        return b"\r"
    return b"\n"


def byte_lines(head: bytes, rest: IO[bytes], end: bytes, chunk: int = SNIFF_BYTES) -> Iterator[bytes]:
    """The lines of ``head`` followed by the rest of the stream, each with its ``end`` kept."""
    pending = b""
    block = head
    while block:
        parts = (pending + block).split(end)
        pending = parts.pop()
        for part in parts:
            yield part + end
        block = rest.read(chunk)
    if pending:
        yield pending


def delimiter_of(header: str, known: Collection[str]) -> str:
    """The delimiter that splits the header row into the most known column names; ties go to the
    comma. The names are known, so they decide: ``csv.Sniffer`` guesses from how often
    characters recur and cannot decide on a one-column file or one with ``;`` in its cells."""

    def known_names(delimiter: str) -> int:
        try:
            cells = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:
            return 0
        return sum(cell.strip().lower() in known for cell in cells)

    return max(DELIMITERS, key=known_names)  # max keeps the first of equals: the comma
