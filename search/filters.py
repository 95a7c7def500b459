"""Safe Meilisearch filter building.

Filter strings are code. Clients never send them: the API turns typed parameters into
filter expressions here, over an allowlist of attributes, quoting and escaping every value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["FILTERABLE", "FilterBuilder", "quote"]

#: Attributes a filter may name, with the kind of value each takes.
FILTERABLE: dict[str, str] = {
    "side": "string",
    "status": "string",
    "hs_code": "string",
    "hs_chapter": "string",
    "hs_heading": "string",
    "origin_country": "string",
    "destination_country": "string",
    "origin_place": "string",
    "destination_place": "string",
    "incoterm": "string",
    "transport_modes": "string",
    "target_countries": "string",
    "organization_id": "string",
    "place_id": "string",
    "expires_at_ts": "number",
    "created_at_ts": "number",
}


def quote(value: str) -> str:
    """A Meilisearch string literal: double-quoted, with ``\\`` and ``"`` escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return repr(value)


@dataclass
class FilterBuilder:
    """Collects clauses that are ANDed together; each clause is built from typed values."""

    clauses: list[str] = field(default_factory=list)

    def _attribute(self, name: str, kind: str) -> str:
        if FILTERABLE.get(name) != kind:
            raise ValueError(f"{name!r} is not a filterable {kind} attribute")
        return name

    def equals(self, name: str, value: str) -> FilterBuilder:
        self.clauses.append(f"{self._attribute(name, 'string')} = {quote(value)}")
        return self

    def differs(self, name: str, value: str) -> FilterBuilder:
        self.clauses.append(f"{self._attribute(name, 'string')} != {quote(value)}")
        return self

    def one_of(self, name: str, values: Iterable[str]) -> FilterBuilder:
        items = [quote(v) for v in values]
        if not items:
            raise ValueError("one_of needs at least one value")
        self.clauses.append(f"{self._attribute(name, 'string')} IN [{', '.join(items)}]")
        return self

    def one_of_or_null(self, name: str, values: Iterable[str]) -> FilterBuilder:
        """``name`` is one of ``values``, or the document has no value for it."""
        items = [quote(v) for v in values]
        if not items:
            raise ValueError("one_of_or_null needs at least one value")
        attribute = self._attribute(name, "string")
        self.clauses.append(f"{attribute} IN [{', '.join(items)}] OR {attribute} IS NULL")
        return self

    def holds_or_empty(self, name: str, value: str) -> FilterBuilder:
        """The list ``name`` holds ``value``, or is empty (a listing that names no countries)."""
        attribute = self._attribute(name, "string")
        self.clauses.append(f"{attribute} = {quote(value)} OR {attribute} IS EMPTY")
        return self

    def greater_than(self, name: str, value: float) -> FilterBuilder:
        self.clauses.append(f"{self._attribute(name, 'number')} > {_number(value)}")
        return self

    def between(self, name: str, low: float, high: float) -> FilterBuilder:
        """``low <= name <= high`` (Meilisearch's ``TO``)."""
        self.clauses.append(f"{self._attribute(name, 'number')} {_number(low)} TO {_number(high)}")
        return self

    def build(self) -> str | None:
        """The whole filter, each clause parenthesised, or None when there is none."""
        if not self.clauses:
            return None
        return " AND ".join(f"({c})" for c in self.clauses)
