"""The report of the bulk benchmark (``benchmarks.bulk``): per-side medians and the table."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from benchmarks.loadgen import median
from benchmarks.runner import out

__all__ = [
    "print_report",
    "summary",
]


def summary(rounds: list[dict[str, Any]], side: str) -> dict[str, Any]:
    """Medians over the rounds; CPU per process."""
    first = rounds[0][side]
    found: dict[str, Any] = {}
    for key, value in first.items():
        if isinstance(value, dict):
            found[key] = {n: round(median([r[side][key][n] for r in rounds])) for n in value}
        elif key not in ("listings", "polls"):
            found[key] = round(median([r[side][key] for r in rounds]), 3)
    if "searchable_s" in first:
        found["searchable_max_s"] = max(r[side]["searchable_s"] for r in rounds)
    return found


def print_report(results: dict[str, Any]) -> None:
    b, d, c = results["batch"], results["batch_unindexed"], results["copy"]
    table = Table(
        title=f"bulk import: {results['listings_per_round_a_side']:,} listings a side a round, "
        f"medians of {len(results['rounds'])} alternating rounds"
    )
    for name in ("Measure", "Batch API", "Batch, no indexing", "COPY", "Ratios", "Target", "Result"):
        table.add_column(name, justify="left" if name == "Measure" else "right")
    verdict = "met" if results["pass"] else "MISSED"
    table.add_row(
        "listings/s, first request to last commit",
        f"{b['listings_per_s']:,.0f}",
        f"{d['listings_per_s']:,.0f}",
        f"{c['listings_per_s']:,.0f}",
        f"{results['ratio']} / {results['ratio_unindexed']}",
        f">= {results['target_ratio']}",
        verdict,
        style=None if results["pass"] else "red",
    )
    table.add_row("request p50, ms", f"{b['request_p50_ms']:,.0f}", f"{d['request_p50_ms']:,.0f}")
    table.add_row(
        "first request -> all searchable, s (median; max)", f"{b['searchable_s']}; {b['searchable_max_s']}"
    )
    table.add_row("last commit -> all searchable, s", f"{b['index_lag_s']}")
    processes = {
        "api": "API",
        "postgres": "PostgreSQL",
        "meilisearch": "Meilisearch",
        "bench": "client + indexer",
    }
    for name, label in processes.items():
        cells = [f"{s['cpu_us_per_listing'][name]:,}" for s in (b, d, c)]
        table.add_row(f"CPU µs a listing until committed: {label}", *cells)
    to_searchable = b["cpu_us_per_listing_to_searchable"]
    table.add_row("CPU µs a listing until searchable: Meilisearch", f"{to_searchable['meilisearch']:,}")
    out.print(table)
    f = results["match_events"]
    out.print(
        f"Match events of an import of {f['listings']:,} look-alike offers ({f['buyers']} chamber members"
        f" want such goods, {f['buyers_told_of_an_offer']} of them were told of one; every organization has"
        f" a match.created webhook): {f['match_jobs']:,} match jobs in {f['recorder_s']} s; per imported"
        f" listing {f['inbox_events_per_listing']} inbox events ({f['inbox_events']:,} in all,"
        f" {f['inbox_events_of_the_seller']:,} in the seller's inbox), {f['match_created_per_listing']}"
        f" match.created events ({f['match_created_events']:,}), {f['webhook_deliveries_per_listing']}"
        f" webhook deliveries ({f['webhook_deliveries']:,}); at most"
        f" {f['most_inbox_events_for_one_listing']} for one listing (cap {f['max_events_per_listing']})."
    )
