"""The HS commodities index: one document per chapter, heading and subheading."""

from __future__ import annotations

from typing import Any

from meilisearch_python_sdk import AsyncClient

from search.indexes import wait_for

__all__ = ["commodity_document", "load_commodities", "suggest_commodities"]


def commodity_document(code: str, description: str, section: str) -> dict[str, Any]:
    return {
        "id": code,
        "code": code,
        "description": description,
        "level": len(code),
        "chapter": code[:2],
        "section": section,
    }


async def load_commodities(client: AsyncClient, index_uid: str, documents: list[dict[str, Any]]) -> None:
    """Replace the index's documents with ``documents`` and wait until searchable."""
    index = client.index(index_uid)
    task = await index.add_documents(documents, primary_key="id")
    await wait_for(client, task.task_uid)


async def suggest_commodities(
    client: AsyncClient, index_uid: str, q: str, *, limit: int = 10
) -> list[dict[str, Any]]:
    """HS entries that fit free text, subheadings and headings before chapters."""
    result = await client.index(index_uid).search(
        q, limit=limit, attributes_to_retrieve=["code", "description", "level", "section"]
    )
    return list(result.hits)
