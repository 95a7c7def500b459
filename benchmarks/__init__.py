"""Benchmarks for market: ``python -m benchmarks.run`` (or ``make bench``)."""
