"""No lost writes: every write the load benchmark saw acknowledged, checked where it should be.

After the outbox has drained, each listing written is looked up in PostgreSQL (directly) and in
Meilisearch (its documents, read from the index): both must hold the version the last
acknowledged write answered with. Listings the writing organizations hold that no answer ever
named (a retried POST that wrote twice, say) are counted too.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from benchmarks.loadmix import Workload, Writer

__all__ = ["indexing_tasks", "lost_writes", "verify"]

DRAIN_WITHIN = 180.0
VERSIONS_SQL = "SELECT id::text, version FROM listings WHERE id = any($1::uuid[])"
UNACKNOWLEDGED_SQL = """
SELECT count(*) FROM listings
WHERE organization_id = any($1::uuid[]) AND created_at >= $2 AND id <> all($3::uuid[])
"""


def _instant(text: str) -> datetime:
    """Meilisearch's RFC 3339 time, nanoseconds and all, to the microsecond."""
    head, _, fraction = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(fraction + '000000')[:6]}+00:00")


async def indexing_tasks(
    meili: httpx.AsyncClient, index: str, since: datetime, until: datetime
) -> dict[str, Any]:
    """Meilisearch's document tasks enqueued in this window: how many, how many documents, and how
    long it spent processing them (one at a time: indexing runs on one thread)."""
    params: dict[str, Any] = {
        "indexUids": index,
        "types": "documentAdditionOrUpdate,documentDeletion",
        "afterEnqueuedAt": since.isoformat(),
        "beforeEnqueuedAt": until.isoformat(),
        "limit": 1000,
    }
    tasks: list[dict[str, Any]] = []
    while True:
        page = await meili.get("/tasks", params=params)
        page.raise_for_status()
        found = page.json()
        tasks += found["results"]
        if found.get("next") is None:
            break
        params["from"] = found["next"]
    # Tasks processed together in one batch share their start and end: count each batch once.
    batches = {(t["startedAt"], t["finishedAt"]) for t in tasks if t.get("startedAt") and t.get("finishedAt")}
    busy = sum((_instant(end) - _instant(start)).total_seconds() for start, end in batches)
    documents = sum((t.get("details") or {}).get("receivedDocuments") or 0 for t in tasks)
    return {
        "tasks": len(tasks),
        "batches": len(batches),
        "documents": documents,
        "processing_s": round(busy, 2),
    }


async def indexed_versions(meili: httpx.AsyncClient, index: str, writers: list[Writer]) -> dict[str, int]:
    """Meilisearch's (id -> version) for every document of the writing organizations."""
    found: dict[str, int] = {}
    for writer in writers:
        offset = 0
        while True:
            page = await meili.post(
                f"/indexes/{index}/documents/fetch",
                json={
                    "filter": f"organization_id = '{writer.org.id}'",
                    "fields": ["id", "version"],
                    "limit": 1000,
                    "offset": offset,
                },
            )
            page.raise_for_status()
            docs = page.json()["results"]
            found.update((d["id"], d["version"]) for d in docs)
            if len(docs) < 1000:
                break
            offset += 1000
    return found


def compare(expected: dict[str, int], uncertain: set[str], store: dict[str, int]) -> dict[str, int]:
    """How many listings the store holds at the acknowledged version, misses, or holds older."""
    at = missing = older = 0
    for listing_id, version in expected.items():
        held = store.get(listing_id)
        if held is None:
            missing += 1
        elif held == version or (listing_id in uncertain and held > version):
            at += 1
        else:
            older += 1
    return {
        "listings": len(expected),
        "at_acknowledged_version": at,
        "missing": missing,
        "other_version": older,
    }


async def verify(
    pool: asyncpg.Pool, meili: httpx.AsyncClient, index: str, workload: Workload, since: datetime
) -> dict[str, Any]:
    """Every acknowledged write in PostgreSQL, then (outbox drained) in Meilisearch, at its version."""
    ledger = workload.ledger
    started = time.perf_counter()
    while await pool.fetchval("SELECT count(*) FROM search_outbox"):
        if time.perf_counter() - started > DRAIN_WITHIN:
            raise RuntimeError(f"the outbox did not drain within {DRAIN_WITHIN:.0f} s")
        await asyncio.sleep(0.1)
    drained = time.perf_counter() - started
    ids = list(ledger.versions)
    in_pg = {r["id"]: r["version"] for r in await pool.fetch(VERSIONS_SQL, ids)}
    in_meili = await indexed_versions(meili, index, workload.writers)
    writer_ids = [w.org.id for w in workload.writers]
    stray = await pool.fetchval(UNACKNOWLEDGED_SQL, writer_ids, since, ids)

    def check(phase: str | None) -> dict[str, Any]:
        chosen = {i: v for i, v in ledger.versions.items() if phase is None or ledger.phase_of[i] == phase}
        counts = _total(ledger.counts) if phase is None else ledger.counts.get(phase, {})
        return {
            "acknowledged": counts,
            "postgresql": compare(chosen, ledger.uncertain, in_pg),
            "meilisearch": compare(chosen, ledger.uncertain, in_meili),
        }

    return {
        "outbox_drained_after_s": round(drained, 2),
        "steady": check("steady"),
        "whole_run": check(None),
        "uncertain": len(ledger.uncertain),
        "replays_with_another_id": ledger.replay_mismatches,
        "replays_still_running": ledger.replays_still_running,
        "unacknowledged_rows": stray,
    }


def _total(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for per_phase in counts.values():
        for kind, n in per_phase.items():
            total[kind] = total.get(kind, 0) + n
    return total


def lost_writes(writes: dict[str, Any]) -> int:
    whole = writes["whole_run"]
    return sum(whole[s]["missing"] + whole[s]["other_version"] for s in ("postgresql", "meilisearch"))
