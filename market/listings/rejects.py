"""The rejects report of ``market import``: where it goes, and writing it only when a row fails."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

import msgspec

from market.listings.import_files import FORMAT_BY_SUFFIX, ImportFileError

__all__ = ["FORMULA_STARTS", "RejectsWriter", "check_rejects_path", "rejects_path_for", "spreadsheet_safe"]

# OWASP, "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a cell that
# begins with one of these is read by Excel, LibreOffice or Google Sheets as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """The cell as a spreadsheet will show it but never run it: one that begins with = + - @, a
    tab or a carriage return gets a leading single quote, as OWASP advises (the quote marks the
    cell as text and is shown before the original text, which is otherwise unchanged).

    The rejects file echoes what a file or the server said (an ``external_ref`` such as
    ``=HYPERLINK(...)``, a message quoting a cell), and is a report for people to read, not data
    to import again; so a cell that really is a negative number showing as ``'-5`` is the price
    of never running one, and an acceptable one.
    """
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def rejects_path_for(source: Path) -> Path:
    """``listings.csv`` -> ``listings.rejects.csv``, next to the input."""
    return source.with_name(f"{source.stem if source.suffix else source.name}.rejects.csv")


def check_rejects_path(path: Path, source: Path) -> None:
    """Refuse, before any row is written, a rejects path that could not be written later."""
    if path.resolve() == source.resolve():
        raise ImportFileError("the rejects file would overwrite the input: pass another --rejects PATH")
    folder = path.parent
    if not folder.is_dir():
        raise ImportFileError(f"the folder of the rejects file {path} does not exist: create it first")
    if path.is_dir():
        raise ImportFileError(f"the rejects path {path} is a folder: name a file in it")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ImportFileError(f"the rejects file {path} cannot be written here: pass another --rejects PATH")


class RejectsWriter:
    """Rejected rows as CSV (or NDJSON for a ``.ndjson``/``.jsonl`` path): line, external_ref,
    field, message; one record per field error, written as they come. CSV cells go through
    ``spreadsheet_safe``, since a CSV file is opened in a spreadsheet; NDJSON keeps them exact.

    The file is created with the first reject, so an import without rejects writes none; and
    ``close`` then removes a rejects report an earlier import left at that path (a file that
    starts like one), so what is there always belongs to the last import.
    """

    FIELDS = ("line", "external_ref", "field", "message")

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._ndjson = FORMAT_BY_SUFFIX.get(path.suffix.lower()) == "ndjson"
        self._file: IO[str] | None = None
        self._csv: Any = None

    def _open(self) -> IO[str]:
        self._file = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file)
        if not self._ndjson:
            self._csv.writerow(self.FIELDS)
        return self._file

    def add(self, line: int, external_ref: str | None, field: str, message: str) -> None:
        out = self._file or self._open()
        self.count += 1
        if self._ndjson:
            record = dict(zip(self.FIELDS, (line, external_ref, field, message), strict=True))
            out.write(msgspec.json.encode(record).decode() + "\n")
        else:
            self._csv.writerow((line, *map(spreadsheet_safe, (external_ref or "", field, message))))

    def _left_by_an_earlier_import(self) -> bool:
        try:
            with self.path.open(encoding="utf-8", errors="replace") as old:
                first = old.readline().strip()
        except OSError:
            return False
        return first == ",".join(self.FIELDS) or first.startswith('{"line":')

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        elif self._left_by_an_earlier_import():
            self.path.unlink()
