"""What the benchmarks share: timing the dev queries in-process, and percentiles."""

from __future__ import annotations

import time


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`, nearest rank; NaN when there is none."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def query_timings(settings, queries: list[str], repeat: int) -> list[float]:  # noqa: ANN001 - casesearch Settings
    """Milliseconds per `Searcher.search` call, `repeat` passes over `queries` after one warm-up pass."""
    from casesearch.searcher import Searcher

    searcher = Searcher(settings)
    try:
        for q in queries:              # warm-up: first open, caches
            searcher.search(q)
        timings = []
        for _ in range(repeat):
            for q in queries:
                began = time.perf_counter()
                searcher.search(q)
                timings.append((time.perf_counter() - began) * 1000)
        return timings
    finally:
        searcher.close()
