"""What every benchmark shares: its consoles, the figures of its phases, the header of its
results, and ``run_benchmark``, which starts private services around a benchmark and stops
everything it started, on success, error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import secrets
import signal
import sys
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
from meilisearch_python_sdk import AsyncClient
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchmarks.loadgen import (
    PhaseResult,
    cpu_seconds,
    median,
    percentile,
)
from market.devstack import Services, ensure_meilisearch_binary, provide_services
from market.logging import configure_logging
from market.settings import Settings, settings_from_env
from market.testing import Processes
from market.web.assets import ensure_htmx

__all__ = [
    "BenchFunction",
    "alternate",
    "err",
    "machine_info",
    "measured",
    "ms",
    "out",
    "progress",
    "release",
    "run_benchmark",
    "run_header",
    "summarize",
]


err = Console(stderr=True)

out = Console(width=None if sys.stdout.isatty() else 150)


async def release(
    procs: Processes,
    settings: Settings,
    pool: asyncpg.Pool,
    sdk: AsyncClient,
    *clients: httpx.AsyncClient,
) -> None:
    """The end of a benchmark run: stop its servers, drop its indexes, close its clients and pool."""
    procs.stop_all()
    with contextlib.suppress(Exception):
        for uid in (settings.listings_index, settings.commodities_index):
            await sdk.delete_index_if_exists(uid)
    for client in clients:
        await client.aclose()
    await sdk.aclose()
    await pool.close()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
    )


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = math.nan
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "ram_gb": ram_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "litestar": version("litestar"),
        "uvicorn": version("uvicorn"),
        "asyncpg": version("asyncpg"),
        "meilisearch_python_sdk": version("meilisearch-python-sdk"),
    }


def run_header(args: argparse.Namespace, module: str) -> dict[str, Any]:
    """What every benchmark's results open with: when, the command, its flags, the machine."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m {module} " + " ".join(sys.argv[1:]),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "machine": machine_info(),
    }


def summarize(phases: list[PhaseResult]) -> dict[str, Any]:
    """Per-round figures, their medians, and the pooled percentiles."""
    pooled = [x for p in phases for x in p.latencies]
    return {
        "requests": sum(p.count for p in phases),
        "errors": sum(p.errors for p in phases),
        "p50_ms": ms(median([p.p(50) for p in phases])),
        "p99_ms": ms(median([p.p(99) for p in phases])),
        "rps": round(median([p.rps for p in phases]), 1),
        "pooled_p50_ms": ms(percentile(pooled, 50)),
        "pooled_p99_ms": ms(percentile(pooled, 99)),
        "rounds": [
            {"p50_ms": ms(p.p(50)), "p99_ms": ms(p.p(99)), "rps": round(p.rps, 1), "requests": p.count}
            for p in phases
        ],
    }


async def measured(
    run: Callable[[], Coroutine[Any, Any, PhaseResult]], pids: dict[str, int]
) -> tuple[PhaseResult, dict[str, float]]:
    """Run a phase and the CPU seconds each named process spent meanwhile."""
    before = {name: cpu_seconds([pid]) for name, pid in pids.items()}
    result = await run()
    spent = {name: cpu_seconds([pid]) - before[name] for name, pid in pids.items()}
    return result, spent


def alternate(rounds: int) -> Iterator[tuple[int, bool]]:
    """(round, A first?): A B, B A, A B, ... so drift and warm caches hit both sides alike."""
    for i in range(rounds):
        yield i, i % 2 == 0


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


BenchFunction = Callable[
    [argparse.Namespace, Settings, Services, Processes], Coroutine[Any, Any, dict[str, Any]]
]


def run_benchmark(
    args: argparse.Namespace,
    *,
    state_dir: str,
    database: str,
    bench_fn: BenchFunction,
    report: Callable[[dict[str, Any]], None],
) -> dict[str, Any] | None:
    """What every benchmark's ``main`` does: start private services (state in ``state_dir``,
    ``database`` recreated, a random index prefix), run ``bench_fn`` on uvloop when there is one,
    write ``args.output`` and print the report. Ctrl-C or SIGTERM stops whatever was started, in
    order, and answers None."""
    configure_logging("WARNING", "console")
    signal.signal(signal.SIGTERM, _raise_interrupt)  # stop servers and services in order, as on Ctrl-C
    base = settings_from_env()
    settings = msgspec.structs.replace(
        base,
        database_url=None,
        meili_url=None,
        meili_api_key=None,
        meili_binary=str(ensure_meilisearch_binary(base)),  # the pinned binary `make run` and tests share
        web_assets_dir=str(ensure_htmx(base)),  # and htmx: the pages are measured as a browser loads them
        env="dev",
        state_dir=state_dir,
        index_prefix=f"bench_{uuid.uuid4().hex[:8]}",
        admin_token="bench-admin-" + secrets.token_urlsafe(16),
        log_level="WARNING",
        run_indexer=True,
    )
    started = time.perf_counter()
    procs = Processes()
    try:
        with contextlib.ExitStack() as stack:
            err.print(f"starting PostgreSQL and Meilisearch in {state_dir} ...")
            services = stack.enter_context(provide_services(settings, database=database, reset_database=True))
            stack.callback(procs.stop_all)
            settings = msgspec.structs.replace(
                settings,
                database_url=services.database_url,
                meili_url=services.meili_url,
                meili_api_key=services.meili_api_key,
            )
            runner_kwargs: dict[str, Any] = {}
            with contextlib.suppress(ImportError):
                import uvloop

                runner_kwargs["loop_factory"] = uvloop.new_event_loop
            with asyncio.Runner(**runner_kwargs) as runner:
                results = runner.run(bench_fn(args, settings, services, procs))
    except KeyboardInterrupt:
        err.print("[yellow]interrupted; everything this run started has been stopped[/yellow]")
        return None
    results["total_s"] = round(time.perf_counter() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report(results)
    err.print(f"\nresults: {args.output}  (whole run {results['total_s']} s)")
    return results
