"""The rejects report of ``market import``: where it goes, and writing it only when a row fails."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import IO, Any

import msgspec

from market.listings.import_files import FORMAT_BY_SUFFIX, ImportFileError

__all__ = ["RejectsWriter", "check_rejects_path", "rejects_path_for"]


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
    field, message; one record per field error, written as they come.

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
            self._csv.writerow((line, external_ref or "", field, message))

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
