"""Open-loop load at a constant rate, for the p99 at half load: requests start at evenly spaced times.

hey's `-q` limits each of its workers to a rate, and its workers start together and tick together, so their
requests leave in bursts as large as there are workers: at 16 workers and 768 requests/s, 16 requests at
once every 21 ms. A server at half load then spends each burst's first milliseconds queueing it, and the
p99 measured is the burst's: at 300 requests/s, store off showed p99 41-44 ms with hey and 10-20 ms with
evenly spaced requests (docs/benchmarks.md).

Here one event loop starts request i at `start + i / rate` on an idle keep-alive connection, opening another
when all are busy (open loop: a slow answer never delays the next request). A request's latency runs from
the moment it was due to be sent, or from when the loop got to it if its own timer woke late (the loop's
lateness is reported, not charged to the server), to the last byte of its answer; waiting for a connection
counts. Bodies are taken in turn from the benchmark's file, one JSON per line, as wrk takes them.

    python -m bench.constant_rate URL BODIES RATE DURATION_S
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.server import auth_headers
from bench.stats import percentile

PREOPENED = 8  # connections opened before the clock starts
MAX_CONNECTIONS = 256
# Idle longer than this, a connection is closed rather than reused: uvicorn closes keep-alive connections
# idle for 5 s (timeout_keep_alive), and a request sent as it does so is lost.
STALE_S = 2.0


def _requests(url: str, bodies: Path) -> list[bytes]:
    parts = urlsplit(url)
    head = (
        f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
        + "".join(f"{name}: {value}\r\n" for name, value in auth_headers().items())
    )
    requests = []
    for line in bodies.read_text().splitlines():
        body = line.encode()
        requests.append(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return requests


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used = time.perf_counter()

    async def exchange(self, request: bytes) -> int:
        """Send one request, read its whole answer; the answer's status."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        self.used = time.perf_counter()
        return status


async def _load(url: str, requests: list[bytes], rate: float, duration: float) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def connect() -> _Connection:
        return _Connection(*await asyncio.open_connection(host, port))

    # Most recently used last: the one taken is the warmest, and the stale ones are at the bottom.
    idle = [await connect() for _ in range(PREOPENED)]
    opened = len(idle)
    latencies: list[float] = []
    late: list[float] = []
    statuses: Counter[str] = Counter()
    tasks: set[asyncio.Task[None]] = set()

    async def one(index: int, started: float) -> None:
        nonlocal opened
        while idle and time.perf_counter() - idle[-1].used > STALE_S:  # the server may close it any time
            idle.pop().writer.close()
            opened -= 1
        if idle:
            connection = idle.pop()
        elif opened < MAX_CONNECTIONS:
            opened += 1
            connection = await connect()
        else:
            statuses["no connection"] += 1
            return
        try:
            status = await connection.exchange(requests[index % len(requests)])
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            statuses[type(exc).__name__] += 1
            return
        latencies.append(time.perf_counter() - started)
        statuses[str(status)] += 1
        idle.append(connection)

    total = int(rate * duration)
    start = time.perf_counter() + 0.05
    for index in range(total):
        due = start + index / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        now = time.perf_counter()
        late.append(max(0.0, now - due))
        task = asyncio.create_task(one(index, max(due, now)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    if not latencies:
        raise SystemExit(f"no request was answered: {dict(statuses)}")
    elapsed = time.perf_counter() - start
    for connection in idle:
        connection.writer.close()
    ms = sorted(value * 1000 for value in latencies)
    late_ms = [value * 1000 for value in late]
    return {
        "target_rate": round(rate, 1),
        "requests_per_second": round(len(ms) / elapsed, 1),
        "p50_ms": round(percentile(ms, 50), 3),
        "p90_ms": round(percentile(ms, 90), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "max_ms": round(ms[-1], 3),
        "statuses": dict(statuses),
        "connections": opened,
        "sender_late_p99_ms": round(percentile(late_ms, 99), 3),
    }


def constant_rate(url: str, bodies: Path, rate: float, duration: float) -> dict[str, Any]:
    """`rate` requests per second for `duration` seconds, each body of `bodies` in turn; latencies in ms."""
    import uvloop  # uvicorn's loop, installed with the service

    return uvloop.run(_load(url, _requests(url, bodies), rate, duration))


if __name__ == "__main__":
    url, bodies, rate, duration = sys.argv[1:5]
    print(json.dumps(constant_rate(url, Path(bodies), float(rate), float(duration))))
