"""Index lifecycle: create with settings, update settings only when they changed, wait for tasks."""

from __future__ import annotations

from typing import Any

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError
from meilisearch_python_sdk.models.settings import MeilisearchSettings

__all__ = ["IndexTaskFailed", "ensure_index", "settings_differ", "wait_for"]


class IndexTaskFailed(RuntimeError):
    """A Meilisearch task ended in a state other than ``succeeded``."""


async def wait_for(client: AsyncClient, task_uid: int, *, timeout_ms: int = 120_000) -> None:
    """Wait until a task has succeeded; raise if it failed or was cancelled."""
    result = await client.wait_for_task(task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
    if result.status != "succeeded":
        raise IndexTaskFailed(f"Meilisearch task {task_uid} {result.status}: {result.error}")


#: Settings whose lists are sets: Meilisearch hands them back sorted, whatever order they went in.
_UNORDERED = frozenset({"filterableAttributes", "sortableAttributes"})


def settings_differ(current: dict[str, Any], desired: dict[str, Any]) -> bool:
    """Whether applying ``desired`` would change ``current`` (attribute sets compare unordered)."""
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict):
            if not isinstance(have, dict) or settings_differ(have, want):
                return True
        elif isinstance(want, list) and isinstance(have, list):
            wanted, had = [str(v) for v in want], [str(v) for v in have]
            if key in _UNORDERED:
                wanted, had = sorted(wanted), sorted(had)
            if wanted != had:
                return True
        elif have != want:
            return True
    return False


async def ensure_index(client: AsyncClient, uid: str, settings: dict[str, Any]) -> bool:
    """Create the index if missing and apply ``settings`` if they differ. True if anything changed."""
    changed = False
    try:
        index = await client.get_index(uid)
    except MeilisearchApiError as exc:
        if exc.code != "index_not_found":
            raise
        index = await client.create_index(uid, primary_key="id", wait=True)
        changed = True
    current = (await index.get_settings()).model_dump(by_alias=True)
    if changed or settings_differ(current, settings):
        task = await index.update_settings(MeilisearchSettings.model_validate(settings))
        await wait_for(client, task.task_uid)
        changed = True
    return changed
