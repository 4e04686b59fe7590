"""Where a worker's time goes under load, store on or off: py-spy samples one worker while wrk loads it.

One server (`python -m service`, WORKERS=1, API keys on) per store; wrk sends the benchmark's 2,000
comparisons while py-spy (the dev extra) records the worker's threads for the same seconds. Prints, per
store, the share of samples spent in each part of the request path (a sample counts for every part on its
stack, so shares overlap), then the functions with the most samples of their own. Needs ptrace (root, or
kernel.yama.ptrace_scope=0). Writes nothing: it is for finding costs, not for reporting them.

    python -m bench.store_profile [--duration 10] [--connections 16] [--stores sqlite,postgresql,off]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bench.http_bench import wrk
from bench.server import process_tree, serve
from bench.store_bench import postgres_database
from bench.workload import comparisons

# Parts of the request path, each found by a frame on the stack ("function (file)" as py-spy writes it).
PARTS = {
    "engine (durable-rules and its adapter)": ("service/core/engine",),
    "recommend (engine, ranking, text)": ("recommend (service/core/recommender.py",),
    "request validation (FastAPI, pydantic)": ("solve_dependencies", "request_body_to_args"),
    "decision rows (_decision)": ("_decision (service/decisions/service.py",),
    "answer JSON (recorded_json)": ("recorded_json (",),
    "record_async (rows, submit, wait)": ("record_async (",),
    "writer thread (group_commit._run)": ("_run (service/decisions/group_commit.py",),
    "writer: SQLAlchemy execute": ("_write (service/decisions/service.py",),
    "writer: commit (fsync / flush)": ("commit (sqlalchemy/engine/base.py", "_commit_impl"),
    "writer: resolve futures": ("set_result (concurrent/futures",),
    "event loop wake-ups (call_soon_threadsafe)": ("call_soon_threadsafe",),
    "uvicorn protocol": ("uvicorn/protocols/http",),
    "middleware (auth, limits, telemetry)": ("service/auth/middleware.py", "service/web/telemetry.py"),
}


def _record(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "250",
            "--format",
            "raw",
            "--threads",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def summarise(raw: Path, top: int) -> dict[str, object]:
    stacks: list[tuple[list[str], int]] = []
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if samples.isdigit():  # a frame's name can hold a line break: its first half has no count
            stacks.append((stack.split(";"), int(samples)))
    total = sum(count for _, count in stacks) or 1
    parts: dict[str, float] = {}
    for name, marks in PARTS.items():
        hits = sum(count for frames, count in stacks if any(m in f for f in frames for m in marks))
        parts[name] = round(100 * hits / total, 1)
    own: collections.Counter[str] = collections.Counter()
    for frames, count in stacks:
        own[frames[-1]] += count
    return {
        "samples": total,
        "parts_percent": parts,
        "own_percent": {f: round(100 * c / total, 1) for f, c in own.most_common(top)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--stores", default="sqlite,postgresql,off")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        bodies = Path(tmp) / "bodies.jsonl"
        bodies.write_text("\n".join(json.dumps(b) for b in comparisons(2000)) + "\n")
        for name in args.stores.split(","):
            env = {"off": {"DECISION_STORE": "off"}, "sqlite": {}}.get(name)
            if env is None:
                env = {"DATABASE_URL": stack.enter_context(postgres_database(args.postgres))}
            with serve(WORKERS="1", **env) as (base, proc):
                url = f"{base}/v1/recommendations"
                wrk(url, bodies, 3, args.connections)  # warm-up, and the worker is started by now
                worker = next(p for p in process_tree(proc.pid) if b"spawn_main" in _cmdline(p))
                raw = Path(tmp) / f"{name}.txt"
                spy = _record(worker, args.duration, raw)
                result = wrk(url, bodies, args.duration, args.connections, process_tree(proc.pid))
                spy.wait()
                print(json.dumps({"store": name, "wrk": result, **summarise(raw, args.top)}, indent=1))


if __name__ == "__main__":
    main()
