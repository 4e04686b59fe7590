"""Small helpers for timing series."""

from __future__ import annotations

import statistics


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_us(samples_s: list[float]) -> dict[str, float]:
    """Per-call seconds -> throughput and latency percentiles in microseconds."""
    total = sum(samples_s)
    return {
        "per_second": round(len(samples_s) / total, 1),
        "p50_us": round(percentile(samples_s, 50) * 1e6, 1),
        "p99_us": round(percentile(samples_s, 99) * 1e6, 1),
        "mean_us": round(statistics.fmean(samples_s) * 1e6, 1),
    }
