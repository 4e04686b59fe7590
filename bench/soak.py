"""Soak: 200,000 requests against one server, its memory (RSS of all its processes) sampled over time.

wrk sends rounds of load; RSS is read from /proc between rounds. Growth is reported from the
first sample after warm-up to the last. Writes bench/results/soak.json.

    python -m bench.soak [--requests 200000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.http_bench import wrk
from bench.result_files import write
from bench.server import process_tree, rss_bytes, serve
from bench.workload import comparisons

MB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--round-seconds", type=int, default=10)
    args = parser.parse_args()
    samples: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        bodies = Path(tmp) / "bodies.jsonl"
        bodies.write_text("\n".join(json.dumps(b) for b in comparisons(5000)) + "\n")
        with serve(WORKERS="2", DECISION_STORE="off") as (base, proc):
            url = f"{base}/v1/recommendations"
            warm = wrk(url, bodies, args.round_seconds, 16)  # warm-up, not counted as growth
            sent, failed, start = warm["requests"], warm["non_2xx"], time.monotonic()
            samples.append({"t": 0.0, "requests": sent, "rss_mb": rss_bytes(process_tree(proc.pid)) / MB})
            while sent < args.requests:
                result = wrk(url, bodies, args.round_seconds, 16)
                sent += result["requests"]
                failed += result["non_2xx"]
                rss = rss_bytes(process_tree(proc.pid)) / MB
                samples.append(
                    {"t": round(time.monotonic() - start, 1), "requests": sent, "rss_mb": round(rss, 2)}
                )
                print(json.dumps(samples[-1]), flush=True)
    growth = samples[-1]["rss_mb"] - samples[0]["rss_mb"]
    report = {
        "requests": sent,
        "failed": failed,
        "rss_after_warm_up_mb": round(samples[0]["rss_mb"], 2),
        "rss_at_end_mb": samples[-1]["rss_mb"],
        "growth_mb": round(growth, 2),
        "samples": samples,
    }
    write("soak.json", report)
    print(f"{sent} requests, {failed} failed, RSS growth after warm-up {growth:.2f} MB")


if __name__ == "__main__":
    main()
