"""Batch benchmark: POST /v1/recommendations:batch with 1, 10, 100 and 1,000 items, over loopback.

Writes bench/results/batch.json.

    python -m bench.batch_bench
"""

from __future__ import annotations

import json
import statistics
import time

import httpx

from bench.result_files import write
from bench.server import auth_headers, serve
from bench.workload import comparisons

SIZES = {1: 50, 10: 30, 100: 10, 1000: 5}  # items -> repeats


def main() -> None:
    items = comparisons(1000, seed=7)
    results = []
    with serve() as (base, _proc), httpx.Client(base_url=base, timeout=300, headers=auth_headers()) as client:
        client.post("/v1/recommendations:batch", json={"items": items[:100]})  # warm-up
        for size, repeats in SIZES.items():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                response = client.post("/v1/recommendations:batch", json={"items": items[:size]})
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200 and response.json()["answered"] == size, response.text[
                    :300
                ]
            median = statistics.median(times)
            results.append(
                {
                    "items": size,
                    "median_ms": round(median * 1000, 2),
                    "per_item_ms": round(median * 1000 / size, 3),
                    "items_per_second": round(size / median, 1),
                }
            )
            print(json.dumps(results[-1]), flush=True)
    write("batch.json", {"results": results})


if __name__ == "__main__":
    main()
