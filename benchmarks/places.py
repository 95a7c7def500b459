"""The gazetteer's cost: index load time and resident memory (each in a fresh process), and the
time of a name lookup (p50/p99 over real spellings in three scripts).

    .venv/bin/python -m benchmarks.places
"""

from __future__ import annotations

import itertools
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

__all__ = ["main"]

_QUERIES = [
    ("Tashkent", None), ("Qo'qon", None), ("Коканд", "UZ"), ("Қарағанды", None), ("Karaganda", "KZ"),
    ("Leninabad", None), ("Frunze", None), ("Тошкент", None), ("Samarkand", None), ("Qarağandy", None),
    ("Ош", "KG"), ("Kulyab", None), ("Ашхабад", None), ("Atlantis", None), ("UZTAS", None),
]  # fmt: skip

# Run in a child process so that nothing else is loaded: RSS before and after the first lookup.
_LOAD = """
import time
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
import market.glossary, msgspec  # the server has these loaded already
before = rss_kb(); start = time.perf_counter()
from market.geography import resolve
resolve("Tashkent")
print(time.perf_counter() - start, rss_kb() - before)
"""


def _load_once() -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True).stdout
    seconds, kb = out.split()
    return float(seconds), int(kb) / 1024


_TYPED = ["Tas", "Qo'q", "Кока", "Қараға", "Karag", "Lenin", "Samar", "Ош", "Kuly", "Ашха", "Namang", "Bish"]
"""Starts of names as someone types them into GET /v1/places?q=..."""
_TYPOS = ["Samarkant", "Tashkint", "Qoqond", "Namangam", "Karagandi", "Dushanbee", "Bukhoro", "Andizhan"]
"""Misspelt names: what reaches the fuzzy tier, the dearest path."""


def _percentiles(call: Callable[[], object], rounds: int) -> tuple[int, float, float]:
    timings: list[float] = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    return len(timings), timings[len(timings) // 2], timings[int(len(timings) * 0.99)]


def main() -> None:
    loads = [_load_once() for _ in range(5)]
    from market.geography import autocomplete, resolve

    lookups = itertools.cycle(_QUERIES)
    count, p50, p99 = _percentiles(lambda: resolve(*next(lookups)), 30_000)
    load_ms = statistics.median(t for t, _ in loads) * 1000
    print(f"index load (import of market.geography + first lookup), median of 5: {load_ms:.0f} ms")
    print(f"resident memory added by the index, median of 5: {statistics.median(m for _, m in loads):.1f} MB")
    print(f"name lookup over {count:,} calls: p50 {p50 * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs")
    typed = itertools.cycle(_TYPED)
    count, p50, p99 = _percentiles(lambda: autocomplete(next(typed), None, 10), 6_000)
    print(f"autocomplete (10 places) over {count:,} calls: p50 {p50 * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs")
    typos = itertools.cycle(_TYPOS)
    count, p50, p99 = _percentiles(lambda: autocomplete(next(typos), None, 10), 800)
    print(
        f"autocomplete of misspelt names over {count:,} calls: p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
