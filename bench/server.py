"""Start `python -m service` on a free loopback port for a benchmark, and find its processes."""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.support.server import ServerProcess

# The servers a benchmark starts accept this key, registered for a client `bench`.
BENCH_KEY = "nsk_bench_" + secrets.token_urlsafe(24)


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {BENCH_KEY}"}


@contextmanager
def serve(**env: str) -> Iterator[tuple[str, ServerProcess]]:
    """A server (tests/support/server.py's launcher) whose only client is `bench`; its URL and process."""
    with tempfile.TemporaryDirectory(prefix="nextsteps-bench-") as directory:
        # A registered client whose rate limit is far above what this machine can send, so the limiter
        # runs on every request but never refuses one (a development key's client allows 1,000/s).
        clients = Path(directory) / "clients.yaml"
        key_hash = hashlib.sha256(BENCH_KEY.encode()).hexdigest()
        clients.write_text(
            "clients:\n  - id: bench\n    scopes: [recommend]\n"
            "    rate_limit: {burst: 100000, per_minute: 1000000}\n"
            f"    api_keys: ['sha256:{key_hash}']\n"
        )
        with ServerProcess(dev_key=False, env={"CLIENTS_FILE": str(clients), **env}) as server:
            yield server.base_url, server


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants, from /proc."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with suppress(OSError):
                queue.extend(int(c) for c in task.read_text().split())
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _cpu(stat: Path) -> float:
    """User plus system CPU time from a /proc stat file (a process's or a thread's); 0 once it is gone."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: proc(5) 14, 15


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used, from /proc/<pid>/stat."""
    return sum(_cpu(Path(f"/proc/{pid}/stat")) for pid in pids)


def thread_cpu_seconds(pids: list[int]) -> dict[str, float]:
    """The same, split between the processes' main threads (a worker's event loop) and their other
    threads (the decision writer, the thread pool), each thread's from /proc/<pid>/task/<tid>/stat."""
    split = {"main": 0.0, "other": 0.0}
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            split["main" if task.name == str(pid) else "other"] += _cpu(task / "stat")
    return split


def named_pids(name: str) -> list[int]:
    """Every process whose command name is `name` (a local database server's processes, say)."""
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with suppress(OSError):
            if comm.read_text().strip() == name:
                found.append(int(comm.parent.name))
    return found
