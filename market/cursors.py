"""Page cursors: a row's sequence number, handed out as ``next_cursor`` and read back as ``cursor``."""

from __future__ import annotations

import re

from market.errors import InvalidInput
from schemas.common import full_match

__all__ = ["CURSOR_PATTERN", "cursor_value"]

CURSOR_PATTERN = full_match("[0-9]{1,18}")
"""A cursor: at most 18 ASCII digits, so it always fits a bigint."""


def cursor_value(value: str | None) -> int | None:
    """The sequence number a cursor names (None for the first page); 422 for anything else."""
    if value is None:
        return None
    # str.isdigit() also takes '²' and '١', which int() then refuses or reads as a number.
    if re.search(CURSOR_PATTERN, value) is None:
        raise InvalidInput.field("cursor", "use the next_cursor value of the previous page")
    return int(value)
