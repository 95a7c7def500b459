"""The report of ``benchmarks.run``: a table on the terminal and the same in Markdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table

from benchmarks.hostile import hostile_rows
from benchmarks.runner import out

__all__ = [
    "HEADERS",
    "introduction_rows",
    "markdown_table",
    "measured_rows",
    "print_report",
    "rows",
]


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    hostile = hostile_rows(results["hostile"])
    if "search" not in results:  # --hostile-only
        d = results["dataset"]
        return [
            ("Load: generate + COPY listings", f"{d['listings']:,} in {d['load_s']} s", "", "", "", ""),
            *hostile,
        ]
    return [*measured_rows(results), *hostile]


def measured_rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    d, s, g, lag = results["dataset"], results["search"], results["get"], results["lag"]
    mt, rt = results["match"], results["routes"]
    one = s["unloaded"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    def row(
        measure: str, api: str, ref: str = "", ratio: str = "", target: str = "", result: str = ""
    ) -> tuple[str, ...]:
        return (measure, api, ref, ratio, target, result)

    c = s["concurrency"]
    return [
        row("Load: generate + COPY listings", f"{d['listings']:,} in {d['load_s']} s"),
        row(
            "Indexing via outbox (listings/s)", f"{d['index_listings_per_s']:,.0f}", f"{d['index_s']} s total"
        ),
        row(
            f"Search p50, ms ({s['queries']} queries, c={c})",
            f"{s['api']['p50_ms']}",
            f"{s['direct']['p50_ms']} (direct)",
            f"{s['ratio_p50']}",
            f"<= {s['target_ratio_p50']}",
            verdict(s["pass"]),
        ),
        row(
            "Search p99, ms",
            f"{s['api']['p99_ms']}",
            f"{s['direct']['p99_ms']} (direct)",
            f"{s['ratio_p99']}",
        ),
        row(
            "Search p50, ms, one at a time (c=1)",
            f"{one['api_p50_ms']}",
            f"{one['direct_p50_ms']} (direct)",
            f"{one['ratio_p50']}",
        ),
        row(
            f"GET /v1/listings/{{id}} req/s (c={g['concurrency']})",
            f"{g['api']['rps']:,.0f}",
            f"{g['minimal']['rps']:,.0f} (minimal)",
            f"{g['ratio_rps']}",
            f">= {g['target_ratio_rps']}",
            verdict(g["pass"]),
        ),
        row(
            "GET by id p50 / p99, ms",
            f"{g['api']['p50_ms']} / {g['api']['p99_ms']}",
            f"{g['minimal']['p50_ms']} / {g['minimal']['p99_ms']}",
        ),
        row(
            "GET by id server CPU per request, µs",
            f"{g['api']['server_cpu_us_per_request']:,.0f}",
            f"{g['minimal']['server_cpu_us_per_request']:,.0f}",
        ),
        row(
            f"Matches p50 / p95, ms (c={mt['concurrency']}), vs API search p50",
            f"{mt['match']['p50_ms']} / {mt['match']['p95_ms']}",
            f"{mt['search']['p50_ms']} (search p50)",
            f"{mt['ratio_p95_to_search_p50']}",
            f"p95/search p50 <= {mt['target_ratio']:g}",
            verdict(mt["pass"]),
        ),
        row(
            f"Matches: responses with >= 1 match; mean matches ({mt['responses']:,} responses)",
            f"{100 * (mt['share_with_match'] or 0):.1f} %; {mt['mean_matches']}",
            f"{100 * (mt['matches_with_route'] or 0):.1f} % with a route",
        ),
        row(
            "Matches between two of KZ/UZ/TJ/KG/TM: share with route_unknown",
            f"{100 * (mt['matches_in_region_route_unknown'] or 0):.2f} %",
            f"{mt['matches_in_region']:,} matches",
            "",
            "< 2 %",
            verdict((mt["matches_in_region_route_unknown"] or 0) < 0.02),
        ),
        row(
            f"Route planning p50 / p95, ms (in process, k=3): {rt['pairs']} pairs of hubs; of towns",
            f"{rt['p50_ms']} / {rt['p95_ms']}",
            f"{rt['towns']['p50_ms']} / {rt['towns']['p95_ms']} (towns)",
            "",
            f"p95 < {rt['target_p95_ms']:g}",
            verdict(rt["pass"]),
        ),
        *placement_rows(results["placement"], row),
        *introduction_rows(results["introductions"], row, verdict),
        *web_rows(results["web"], row, verdict),
        row("POST -> searchable p50, s", f"{lag['p50_s']}"),
        row(
            f"POST -> searchable p95, s ({lag['samples']} posts)",
            f"{lag['p95_s']}",
            "",
            "",
            f"<= {lag['target_p95_s']}",
            verdict(lag["pass"]),
        ),
    ]


def placement_rows(results: dict[str, Any], row: Callable[..., tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Matching's route ends under the former rule and today's, on the same offer-demand pairs."""
    out: list[tuple[str, ...]] = []
    for scope, label in (("five_countries", "inside KZ/UZ/TJ/KG/TM"), ("all", "all")):
        before, after = results["before"][scope], results["after"][scope]
        for key, what in (("route_unknown", "route_unknown"), ("routed_from_hub", "at a country hub")):
            out.append(
                row(
                    f"Pairs {label} ({after['pairs']:,}): {what}, before -> after",
                    f"{100 * after.get(key, 0):.1f} %",
                    f"{100 * before.get(key, 0):.1f} % (before)",
                )
            )
    return out


def introduction_rows(
    results: dict[str, Any], row: Callable[..., tuple[str, ...]], verdict: Callable[[bool], str]
) -> list[tuple[str, ...]]:
    create, inbox = results["create"], results["inbox"]
    ask, post = create["introduction"], create["listing"]
    read, search = inbox["inbox"], inbox["search"]
    return [
        row(
            f"POST /v1/introductions p50 / p95, ms (c={create['concurrency']}), vs POST /v1/listings",
            f"{ask['p50_ms']} / {ask['p95_ms']}",
            f"{post['p50_ms']} / {post['p95_ms']} (listing)",
            f"{create['ratio_p50']}",
            f"p50 <= {create['target_ratio_p50']:g}",
            verdict(create["pass"]),
        ),
        row(
            f"POST: API CPU ms a request ({ask['requests']:,} from {create['requesters']} organizations)",
            f"{ask['api_cpu_ms_per_request']}",
            f"{post['api_cpu_ms_per_request']} (listing)",
            "",
            f"daily budget raised to {create['daily_budget']:,}",
        ),
        row(
            f"Inbox ?role=received p50 / p95, ms ({inbox['received']} received), vs API search",
            f"{read['p50_ms']} / {read['p95_ms']}",
            f"{search['p50_ms']} / {search['p95_ms']} (search)",
            f"{inbox['ratio_p50']}",
        ),
    ]


def web_rows(
    results: dict[str, Any], row: Callable[..., tuple[str, ...]], verdict: Callable[[bool], str]
) -> list[tuple[str, ...]]:
    out = []
    for key, label, reference in (
        ("search_page", "Search page (HTML, ru) p50, ms, vs JSON search", "JSON search"),
        ("listing_page", "Listing page with matches p50, ms, vs JSON matches", "JSON matches"),
    ):
        r = results[key]
        out.append(
            row(
                f"{label} ({r['page']['requests']:,} each)",
                f"{r['page']['p50_ms']} (API CPU {r['page_api_cpu_ms']} ms)",
                f"{r['json']['p50_ms']} ({reference})",
                f"{r['ratio_p50']}",
                f"<= {r['target_ratio']:g}",
                verdict(r["pass"]),
            )
        )
    sizes = ", ".join(f"{path} {size / 1024:.1f}" for path, size in results["first_page_bytes"].items())
    out.append(
        row(
            "First page, total transfer, KB (uncompressed)",
            f"{results['first_page_kb']}",
            sizes,
            "",
            f"< {results['target_first_page_kb']:g}",
            verdict(results["first_page_pass"]),
        )
    )
    return out


HEADERS = ("Measure", "market API", "Reference", "Ratio", "Target", "Result")


def print_report(results: dict[str, Any]) -> None:
    table = Table(title="market benchmarks (medians of alternating rounds)")
    for h in HEADERS:
        table.add_column(h, justify="left" if h == "Measure" else "right")
    for row in rows(results):
        style = "red" if row[5] == "MISSED" else None
        table.add_row(*row, style=style)
    out.print(table)
    out.print()
    out.print(markdown_table(results), markup=False, highlight=False, soft_wrap=True)


def markdown_table(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for row in rows(results):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)
