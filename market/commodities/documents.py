"""The HS nomenclature as search documents: what the commodities index is loaded with.

Kept apart from the HTTP controller, so the worker and the CLI load the index without importing
any route handler.
"""

from __future__ import annotations

from market.code_lookups import hs_entries
from search.commodities import commodity_document

__all__ = ["commodity_documents"]


def commodity_documents() -> list[dict[str, object]]:
    """Every HS chapter, heading and subheading as a search document."""
    return [commodity_document(e.hscode, e.description, e.section) for e in hs_entries()]
