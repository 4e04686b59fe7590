"""The production configuration: POST /v1/recommendations with the decision store on, against the store off.

Three servers side by side in one run, each `python -m service` with WORKERS=2 and API keys on: the
decision store on SQLite (the default), on PostgreSQL (a fresh database on the given server, dropped
afterwards), and off (no audit trail: it exists to measure the store's cost). The same wrk load for each (the
same 2,000 different comparisons, connections and duration), in alternating rounds so drift on a shared
machine hits all alike. Then, for each, half of that server's best throughput at a constant rate
(bench/constant_rate.py), for its p99.

The ratio to store off is taken within each round, where the three servers ran one after another, and the
median over the rounds is reported; the ratio of each server's best round is reported beside it. On a shared
machine whose speed drifts by a fifth from one minute to the next, the best rounds of two servers may come
from different minutes, and their ratio says as much about the minutes as about the servers.
Writes bench/results/store.json.

    python -m bench.store_bench [--duration 10] [--connections 32] [--rounds 4] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from bench.constant_rate import constant_rate
from bench.http_bench import SETTLE_S, wrk
from bench.result_files import write
from bench.server import process_tree, serve
from bench.workload import comparisons

WORKERS = "2"  # the image's


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


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (other engineers' runs share it)."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def ratio(round_: dict[str, Any], name: str) -> float:
    """A store's throughput over store off's, in one round (the servers ran one after the other)."""
    store: float = round_[name]["requests_per_second"]
    off: float = round_["off"]["requests_per_second"]
    return round(store / off, 3)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        bodies = Path(tmp) / "bodies.jsonl"
        bodies.write_text("\n".join(json.dumps(b) for b in comparisons(2000)) + "\n")
        url = stack.enter_context(postgres_database(args.postgres))
        modes = {"off": {"DECISION_STORE": "off"}, "sqlite": {}, "postgresql": {"DATABASE_URL": url}}
        servers = {name: stack.enter_context(serve(WORKERS=WORKERS, **env)) for name, env in modes.items()}
        pids = {}
        for name, (base, proc) in servers.items():
            wrk(f"{base}/v1/recommendations", bodies, 3, args.connections)  # warm-up
            pids[name] = process_tree(proc.pid)
        rounds: list[dict[str, Any]] = []
        for _ in range(args.rounds):
            round_: dict[str, Any] = {"load_average_before": load_average()}
            for name, (base, _proc) in servers.items():
                round_[name] = wrk(
                    f"{base}/v1/recommendations",
                    bodies,
                    args.duration,
                    args.connections,
                    pids[name],
                    # The database's own CPU, when it runs on this machine (it shares the 2 cores)
                    "postgres" if name == "postgresql" else None,
                )
            rounds.append(round_)
            print(json.dumps(round_), flush=True)
        failed = [r[name] for r in rounds for name in modes if r[name]["non_2xx"]]
        if failed:
            raise SystemExit(f"non-2xx answers during the benchmark: {failed}")
        best = {name: max(r[name]["requests_per_second"] for r in rounds) for name in modes}
        half = {}
        for name, (base, _proc) in servers.items():
            time.sleep(SETTLE_S)
            half[name] = constant_rate(f"{base}/v1/recommendations", bodies, best[name] / 2, args.duration)
            print(json.dumps({name: half[name]}), flush=True)
        failed = [name for name in modes if set(half[name]["statuses"]) != {"200"}]
        if failed:
            raise SystemExit(f"answers other than 200 at half load: {failed}")
    stores = ("sqlite", "postgresql")
    paired = {name: [ratio(r, name) for r in rounds] for name in stores}
    report = {
        "tool": "wrk 4.1.0 (-t2) from Debian, and bench/constant_rate.py for half load; servers: "
        f"python -m service, WORKERS={WORKERS}, API-key authentication on",
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": rounds,
        "max_rps": best,
        "ratio_to_store_off": {name: round(statistics.median(paired[name]), 3) for name in stores},
        "ratio_in_each_round": paired,
        "ratio_of_best_rounds": {name: round(best[name] / best["off"], 3) for name in stores},
        "half_load": half,
        "cpus": os.cpu_count(),
    }
    write("store.json", report)
    print(json.dumps({key: report[key] for key in ("max_rps", "ratio_to_store_off", "ratio_of_best_rounds")}))


if __name__ == "__main__":
    main()
