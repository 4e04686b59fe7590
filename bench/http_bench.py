"""HTTP benchmark: POST /v1/recommendations against its floor, side by side, with wrk.

The floor (POST /bench/floor, served with BENCH_FLOOR=true) takes the same body with the same
validation and answers a fixed recommendation of the same size, so the ratio of the two is
what the engine, the ranking and the text cost. Then the real endpoint gets half of the maximum
throughput measured, at a constant rate (bench/constant_rate.py), for its p99 latency.
Writes bench/results/http.json.

    python -m bench.http_bench [--duration 15] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.constant_rate import constant_rate
from bench.result_files import write
from bench.server import auth_headers, cpu_seconds, named_pids, process_tree, serve, thread_cpu_seconds
from bench.workload import comparisons
from service.config import PROJECT_ROOT

LUA = PROJECT_ROOT / "bench" / "post.lua"
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
# Before a half-load run: the requests wrk left in flight when it stopped are still being answered (by this
# server, or by the one measured just before it on the same 2 cores).
SETTLE_S = 2


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(text)
    return round(float(match.group(1)) * UNITS[match.group(2)], 3)


def wrk(
    url: str,
    bodies: Path,
    duration: int,
    connections: int,
    server: list[int] | None = None,
    database: str | None = None,
) -> dict[str, Any]:
    """One wrk run; with the server's pids, also its CPU time per request (user + system, all processes),
    and how it splits between main threads and the others; with `database` (a command name: "postgres"),
    the CPU time per request of the local processes of that name too."""
    cpu_before = cpu_seconds(server) if server else 0.0
    threads_before = thread_cpu_seconds(server) if server else {}
    database_before = {pid: cpu_seconds([pid]) for pid in named_pids(database)} if database else {}
    env = {**os.environ, "BODIES": str(bodies), "AUTHORIZATION": auth_headers().get("Authorization", "")}
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(LUA), url],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    cpu = cpu_seconds(server) - cpu_before if server else None
    threads = thread_cpu_seconds(server) if server else {}
    # A database process started during the run counts from 0; one that ended during it is lost (rare).
    database_cpu = (
        sum(cpu_seconds([pid]) - database_before.get(pid, 0.0) for pid in named_pids(database))
        if database
        else None
    )
    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    result: dict[str, Any] = {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": requests,
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }
    if cpu is not None:
        result["server_cpu_us_per_request"] = round(cpu / requests * 1e6, 1)
        result["server_cpu_us_per_request_by_thread"] = {
            kind: round((threads[kind] - threads_before[kind]) / requests * 1e6, 1) for kind in threads
        }
    if database_cpu is not None:
        result["database_cpu_us_per_request"] = round(database_cpu / requests * 1e6, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bodies = Path(tmp) / "bodies.jsonl"
        bodies.write_text("\n".join(json.dumps(b) for b in comparisons(2000)) + "\n")
        # The production worker count (the image's WORKERS=2). The decision store is off here, so the
        # ratio to the floor is the engine's, the ranking's and the text's cost; the production
        # configuration (store on) is measured against store off by bench/store_bench.py.
        with serve(BENCH_FLOOR="true", WORKERS="2", DECISION_STORE="off") as (
            base,
            proc,
        ):
            wrk(f"{base}/v1/recommendations", bodies, 3, args.connections)  # warm-up
            server = process_tree(proc.pid)  # the supervisor and its workers, all started by now
            rounds = []
            for _ in range(2):  # alternate, so drift on a shared machine hits both alike
                floor = wrk(f"{base}/bench/floor", bodies, args.duration, args.connections, server)
                real = wrk(f"{base}/v1/recommendations", bodies, args.duration, args.connections, server)
                rounds.append({"floor": floor, "recommendations": real})
                print(json.dumps(rounds[-1]), flush=True)
            failed = [r for r in rounds for k in r if r[k]["non_2xx"]]
            if failed:
                raise SystemExit(f"non-2xx answers during the benchmark: {failed}")
            best_real = max(r["recommendations"]["requests_per_second"] for r in rounds)
            best_floor = max(r["floor"]["requests_per_second"] for r in rounds)
            time.sleep(SETTLE_S)
            half = constant_rate(f"{base}/v1/recommendations", bodies, best_real / 2, args.duration)
            print(json.dumps({"half_load": half}), flush=True)
    report = {
        "tool": "wrk 4.1.0 (-t2) from Debian, and bench/constant_rate.py for half load; server: "
        "python -m service, WORKERS=2, "
        "API-key authentication on, "
        "DECISION_STORE=off",
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": rounds,
        "max_rps_recommendations": best_real,
        "max_rps_floor": best_floor,
        "ratio_to_floor": round(best_real / best_floor, 3),
        "half_load": half,
    }
    write("http.json", report)
    print(f"ratio to floor {report['ratio_to_floor']}; p99 at half load {half['p99_ms']} ms")


if __name__ == "__main__":
    main()
