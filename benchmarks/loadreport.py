"""The tables of ``benchmarks.load``: a rich table on the terminal, the same as Markdown for the docs."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from benchmarks.loadmix import REPLAY_ATTEMPTS
from benchmarks.runner import out

__all__ = ["markdown", "print_report", "rows"]

HEADERS = (
    "Concurrency",
    "req/s",
    "p50/p99 ms",
    "errors",
    "search p50/p99",
    "GET p50/p99",
    "match p50/p99",
    "write p50/p99",
    "CPU %: API/PG/Meili/client/other",
)


def _pair(figures: dict[str, Any] | None) -> str:
    if not figures or not figures.get("p50_ms") == figures.get("p50_ms"):  # absent, or NaN
        return "-"
    return f"{figures['p50_ms']:.0f} / {figures['p99_ms']:.0f}"


def _row(label: str, phase: dict[str, Any]) -> tuple[str, ...]:
    kinds = phase["by_kind"]
    cpu = phase["cpu_percent"]
    errors = f"{phase['errors']}" + (f" ({100 * phase['error_rate']:.2f} %)" if phase["errors"] else "")
    return (
        label,
        f"{phase['rps']:,.0f}",
        f"{phase['p50_ms']:.1f} / {phase['p99_ms']:.0f}",
        errors,
        _pair(kinds.get("search")),
        _pair(kinds.get("get")),
        _pair(kinds.get("match")),
        _pair(phase["writes"]),
        # "others" is a difference of two readings and can come out a hair below zero.
        "/".join(f"{max(cpu[k], 0):.0f}" for k in ("api", "postgres", "meilisearch", "client", "others")),
    )


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    saturation = results["saturation"]["concurrency"]
    found = []
    for step in results["steps"]:
        mark = " (saturation)" if step["concurrency"] == saturation else ""
        found.append(_row(f"{step['concurrency']}{mark}", step))
    s = results["steady"]
    found.append(_row(f"open loop, {100 * s['share_of_saturation']:g} % of saturation", s))
    return found


def write_lines(results: dict[str, Any]) -> list[str]:
    w = results["writes"]
    lines = []
    for label, part in (("open-loop run", w["steady"]), ("whole run", w["whole_run"])):
        acks = part["acknowledged"]
        pg, meili = part["postgresql"], part["meilisearch"]
        lines.append(
            f"{label}: {acks.get('post', 0)} POST + {acks.get('patch', 0)} PATCH acknowledged "
            f"({acks.get('replay', 0)} POST replays), {pg['listings']} listings; at the acknowledged "
            f"version in PostgreSQL {pg['at_acknowledged_version']} (missing {pg['missing']}, other "
            f"{pg['other_version']}), in Meilisearch {meili['at_acknowledged_version']} (missing "
            f"{meili['missing']}, other {meili['other_version']})"
        )
    lines.append(
        f"outbox drained {w['outbox_drained_after_s']} s after the last request; replays answered with "
        f"another id: {w['replays_with_another_id']}; rows nobody was told about: {w['unacknowledged_rows']}"
    )
    phases = [*results["steps"], results["steady"]]
    early = sum(p["by_kind"].get("replay", {}).get("statuses", {}).get("409", 0) for p in phases)
    lines.append(
        f"POST retries answered 409 'still running' (then retried after 1 s): {early}; "
        f"still 409 after {REPLAY_ATTEMPTS} tries: {w['replays_still_running']}"
    )
    return lines


def markdown(results: dict[str, Any]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines)


def print_report(results: dict[str, Any]) -> None:
    sat = results["saturation"]
    d, mix = results["dataset"], results["mix_percent"]
    table = Table(
        title=f"load: {d['listings']:,} listings; mix % "
        + "/".join(f"{v:g}" for v in mix.values())
        + f" ({'/'.join(mix)}); load average at start {results['load_average_at_start'][0]}"
    )
    table.add_column(HEADERS[0], max_width=16)
    for h in HEADERS[1:]:
        table.add_column(h.replace(": ", "\n"), justify="right", min_width=len(h.split(": ")[-1]))
    for row in rows(results):
        table.add_row(*row, style="red" if row[3] != "0" else ("bold" if "saturation" in row[0] else None))
    out.print(table)
    out.print(
        f"saturation: {sat['rps']:,.0f} req/s at {sat['concurrency']} in flight; sweep stopped: "
        f"{sat['stopped_because']}"
    )
    steady = results["steady"]
    out.print(
        f"open loop: {steady['rps']:,.0f} req/s of {steady['target_rps']:,.0f} offered, "
        f"{steady['errors']} errors, {steady['dropped']} dropped, up to {steady['peak_in_flight']} in flight "
        f"on {steady['connections']} connections; lost writes: {results['lost_writes']}"
    )
    busy = [f"{p['concurrency']}: {100 * p['indexing']['busy_share']:.0f} %" for p in results["steps"]]
    busy.append(f"open loop: {100 * steady['indexing']['busy_share']:.0f} %")
    out.print("Meilisearch busy indexing (share of the time, by concurrency): " + ", ".join(busy))
    worst = sorted(steady["timeline"], key=lambda t: t["max_ms"], reverse=True)[:3]
    out.print(
        "open loop, slowest seconds: "
        + "; ".join(f"{t['second']} s: max {t['max_ms']:.0f} ms, p50 {t['p50_ms']:.0f} ms" for t in worst)
    )
    for line in write_lines(results):
        out.print(line, highlight=False)
    out.print()
    out.print(markdown(results), markup=False, highlight=False, soft_wrap=True)
