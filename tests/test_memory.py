"""A pod as deploy/k8s runs it (its env: two workers) under the worst requests it allows, all at once: the
largest batches, batches dense with JSON values, 64 KiB bodies, and connections up to one worker's cap each
holding almost 16 KiB of unfinished headers. The supervisor's and workers' memory together, counted as the
pod's memory cgroup counts it (tests/support/memory.py) and sampled every 50 ms, stays under the pod's memory
limit. Bounded: about 30 s, loopback only.

Both workers must be busy with the largest batches at the same time, or the peak depends on which worker
the kernel hands each connection to (an idle worker tends to win every accept, so a run could load one
worker only). So each worker gets batches on keep-alive connections of its own, opened while the other
worker is paused (SIGSTOP, under a second)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import yaml

from tests.support.bodies import opinion
from tests.support.memory import anonymous, mapped_files, socket_owner
from tests.support.paths import ROOT
from tests.support.server import AUTH, ServerProcess

BATCH = "/v1/recommendations:batch"
JSON = {**AUTH, "content-type": "application/json"}
MIB = 1024 * 1024


def pod() -> tuple[dict[str, str], int]:
    """The api container's plain env values and its memory limit in bytes."""
    manifest = yaml.safe_load((ROOT / "deploy/k8s/deployment.yaml").read_text())
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e and e["name"] != "PORT"}
    # The pod's Redis is the one on loopback here, with keys of this run's own.
    env |= {"REDIS_URL": "redis://127.0.0.1:6379/15", "REDIS_PREFIX": f"memory-{uuid.uuid4().hex}:"}
    # The tenants ConfigMap mounted where the pod reads it: the example tenants, loaded as a pod would.
    assert "TENANTS_DIR" in env
    env["TENANTS_DIR"] = str(ROOT / "deploy" / "tenants-example")
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    return env, int(limit.removesuffix("Mi")) * MIB


def largest_batch() -> bytes:
    """Full items (ten opinions with cited guidelines) up to 1,000 or the 4 MiB body limit."""
    item = {"opinions": [{**opinion(), "guidelines_cited": ["NCCN-breast-2026"] * 5}] * 10}
    size = len(json.dumps(item)) + 2
    return json.dumps({"items": [item] * min(1000, (4 * MIB - 100) // size)}).encode()


def densest_batch() -> bytes:
    """As many JSON values as the batch route allows (each `[]` is counted twice, `[` and `,`)."""
    return b'{"items": [{"opinions": [' + b"[]," * 299_000 + b"[]]}]}"


def largest_single() -> bytes:
    """A 64 KiB body for POST /v1/recommendations (refused 422 after parsing: guidelines too long)."""
    guideline = "g" * 3000
    body = {"opinions": [{**opinion(), "guidelines_cited": [guideline] * 10}] * 2}
    return json.dumps(body).encode()[: 64 * 1024]


def pinned(
    server: ServerProcess, workers: set[int], each: int
) -> dict[int, list[http.client.HTTPConnection]]:
    """`each` keep-alive connections to every worker, opened while the other workers are stopped."""
    connections: dict[int, list[http.client.HTTPConnection]] = {}
    for worker in workers:
        others = workers - {worker}
        for pid in others:
            os.kill(pid, signal.SIGSTOP)
        try:
            connections[worker] = []
            for _ in range(each):
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connections[worker].append(connection)
        finally:
            for pid in others:
                os.kill(pid, signal.SIGCONT)
        for connection in connections[worker]:
            assert connection.sock is not None
            assert socket_owner(server.port, connection.sock.getsockname()[1], workers) == worker
    return connections


class Sampler(threading.Thread):
    """Every 50 ms, each process's anonymous memory; every second, the mapped files'."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__()
        self.pids = pids
        self.stop = threading.Event()
        self.each = {pid: anonymous(pid) for pid in pids}  # each process's own peak
        self.anonymous = sum(self.each.values())  # the peak of their sum
        self.files = mapped_files(pids)

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            now = {pid: anonymous(pid) for pid in self.pids}
            self.anonymous = max(self.anonymous, sum(now.values()))
            self.each = {pid: max(self.each[pid], now[pid]) for pid in self.pids}
            turn += 1
            if turn % 20 == 0:
                self.files = max(self.files, mapped_files(self.pids))
            time.sleep(0.05)

    @property
    def peak(self) -> int:
        return self.anonymous + self.files


def memory(pids: list[int]) -> int:
    return sum(anonymous(pid) for pid in pids) + mapped_files(pids)


def test_a_two_worker_pod_stays_under_its_memory_limit_under_the_worst_allowed_requests() -> None:
    env, limit = pod()
    assert env["WORKERS"] == "2"
    with ServerProcess(env=env) as server:
        workers = server.wait_workers(2)
        pids = [server.pid, *sorted(workers)]
        at_rest = memory(pids)
        statuses: list[tuple[str, int]] = []
        lock = threading.Lock()

        def note(name: str, status: int) -> None:
            with lock:
                statuses.append((name, status))

        def on(connection: http.client.HTTPConnection, worker: int, name: str, body: bytes) -> None:
            """Three batches, each sent again on its connection (its worker) while refused for a slot."""
            for _ in range(3):
                for _attempt in range(10):
                    try:
                        connection.request("POST", BATCH, body, JSON)
                        answer = connection.getresponse()
                        answer.read()
                        status = answer.status
                    except (OSError, http.client.HTTPException):
                        status = 0
                    note(f"{name} (worker {pids.index(worker)})", status)
                    if status != 503:
                        break
                    time.sleep(float(answer.headers["retry-after"]))

        def post(path: str, body: bytes, times: int) -> None:
            with httpx.Client(base_url=server.base_url, headers=JSON, timeout=60) as client:
                for _ in range(times):
                    try:
                        note("64 KiB body", client.post(path, content=body).status_code)
                    except httpx.HTTPError:
                        note("64 KiB body", 0)

        def hold_headers(sockets: list[socket.socket]) -> None:
            for _ in range(40):  # two of these and the clients: under one worker's cap, all may land on one
                try:
                    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 16_000)
                    sockets.append(sock)
                except OSError:
                    pass

        # Per worker: two senders of the largest batches (they contend for its one batch slot, so some
        # are refused and sent again) and one of the densest.
        connections = pinned(server, workers, 3)
        held: list[socket.socket] = []
        jobs: list[tuple[Callable[..., None], tuple[Any, ...]]] = [(hold_headers, (held,))] * 2
        for worker, (first, second, third) in connections.items():
            jobs += [(on, (first, worker, "largest batch", largest_batch()))]
            jobs += [(on, (second, worker, "largest batch", largest_batch()))]
            jobs += [(on, (third, worker, "densest batch", densest_batch()))]
        jobs += [(post, ("/v1/recommendations", largest_single(), 20))] * 8
        sampler = Sampler(pids)
        sampler.start()
        threads = [threading.Thread(target=job, args=args) for job, args in jobs]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=180)
            time.sleep(0.5)
        finally:
            sampler.stop.set()
            sampler.join()
            for sock in held:
                sock.close()
            for pair in connections.values():
                for connection in pair:
                    connection.close()
        after = memory(pids)
        each = ", ".join(
            f"{name} {sampler.each[pid] / MIB:.0f}"
            for name, pid in zip(("supervisor", "worker 1", "worker 2"), pids, strict=True)
        )
        print(
            f"\npod memory: at rest {at_rest / MIB:.0f} MiB, peak {sampler.peak / MIB:.0f} MiB "
            f"(anonymous {sampler.anonymous / MIB:.0f}, mapped files {sampler.files / MIB:.0f}; each "
            f"process's anonymous peak: {each}), after {after / MIB:.0f} MiB, limit {limit / MIB:.0f} MiB; "
            f"answers {sorted(Counter(statuses).items())}"
        )
        for worker in range(1, 3):
            assert (f"largest batch (worker {worker})", 200) in statuses
            assert (f"densest batch (worker {worker})", 200) in statuses
        codes = {code for _, code in statuses}
        assert 503 in codes  # some batches were refused for want of a slot
        assert 500 not in codes and 0 not in codes
        assert sampler.peak < limit
