"""Recommendations per second over loopback: decision store on SQLite, on PostgreSQL, and switched off.

    python -m bench.store_bench [--requests 2000] [--concurrency 16] [--postgres postgresql://...]

Each mode starts `python -m service` (one worker, through bench/server.py) on a free port, warms it up,
then sends --requests POST /v1/recommendations with --concurrency in flight and reports requests per
second and latency percentiles.
PostgreSQL is a fresh, uniquely named database on the given server, dropped afterwards.
DECISION_STORE=off disables the decision log (no audit trail): it exists to measure the log's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
from psycopg import sql

from bench.server import auth_headers, serve

BODY = {
    "opinions": [
        {
            "clinician": {"specialty": "surgical_oncology"},
            "diagnosis": {"cancer_type": "breast", "stage": "II"},
            "treatment": {"modalities": ["surgery"], "intent": "curative"},
        },
        {
            "clinician": {"specialty": "medical_oncology", "tumor_focus": "breast"},
            "diagnosis": {"cancer_type": "breast", "stage": "III"},
            "treatment": {"modalities": ["chemotherapy", "surgery"], "intent": "curative"},
            "explained_reasoning": True,
        },
    ],
}


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"nextsteps_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        host = admin_url.split("://", 1)[1].rsplit("/", 1)[0]
        yield f"postgresql+psycopg://{host}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


async def load(base: str, requests: int, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency)
    headers = auth_headers()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits, headers=headers) as client:

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                response = await client.post("/v1/recommendations", json=BODY)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies


def measure(name: str, env: dict[str, str], requests: int, concurrency: int) -> dict[str, object]:
    with serve(WORKERS="1", **env) as (base, _proc):
        asyncio.run(load(base, min(200, requests), concurrency))  # warm-up
        rate, latencies = asyncio.run(load(base, requests, concurrency))
    cuts = statistics.quantiles(latencies, n=100)
    result = {
        "store": name,
        "requests": requests,
        "concurrency": concurrency,
        "rps": round(rate, 1),
        "p50_ms": round(cuts[49] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    results = []
    results.append(measure("off", {"DECISION_STORE": "off"}, args.requests, args.concurrency))
    # SQLite, in the temporary DATA_DIR that bench/server.py gives each server
    results.append(measure("sqlite", {}, args.requests, args.concurrency))
    with postgres_database(args.postgres) as url:
        results.append(measure("postgresql", {"DATABASE_URL": url}, args.requests, args.concurrency))
    print()
    print("| store | requests | concurrency | recommendations/s | p50 ms | p99 ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        cells = [r[k] for k in ("store", "requests", "concurrency", "rps", "p50_ms", "p99_ms")]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
