"""Start `python -m service` on a free loopback port for a benchmark, and find its processes."""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from service.config import PROJECT_ROOT

# The servers a benchmark starts accept this key, registered for a client `bench`.
BENCH_KEY = "nsk_bench_" + secrets.token_urlsafe(24)


def auth_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {BENCH_KEY}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(**env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    data_dir = tempfile.TemporaryDirectory(prefix="nextsteps-bench-")
    # A registered client whose rate limit is far above what this machine can send, so the limiter
    # runs on every request but never refuses one (a development key's client allows 1,000/s).
    clients = Path(data_dir.name) / "clients.yaml"
    key_hash = hashlib.sha256(BENCH_KEY.encode()).hexdigest()
    clients.write_text(
        "clients:\n  - id: bench\n    scopes: [recommend]\n"
        "    rate_limit: {burst: 100000, per_minute: 1000000}\n"
        f"    api_keys: ['sha256:{key_hash}']\n"
    )
    environ = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "CLIENTS_FILE": str(clients),
        "DATA_DIR": data_dir.name,
        **env,
    }
    with data_dir, tempfile.TemporaryFile() as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service"],
            cwd=PROJECT_ROOT,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(f"server exited: {output.read().decode(errors='replace')[-2000:]}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server not ready in 60 s")
                time.sleep(0.2)
            yield base, proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


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


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used, from /proc/<pid>/stat."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return ticks / os.sysconf("SC_CLK_TCK")
