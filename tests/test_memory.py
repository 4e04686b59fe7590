"""A pod as deploy/k8s runs it (its env: two workers) under the worst requests it allows, all at once: the
largest batches, batches dense with JSON values, 64 KiB bodies, and connections up to one worker's cap each
holding almost 16 KiB of unfinished headers. The supervisor's and workers' memory together (proportional set
size, sampled every 50 ms) stays under the pod's memory limit. Bounded: about 30 s, loopback only."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.bodies import opinion
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
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Mi")
    return env, int(limit.removesuffix("Mi")) * MIB


def resident(pid: int) -> int:
    """The process's proportional share of resident memory (shared pages split among their users, as the
    pod's cgroup counts each page once), in bytes; 0 once it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    line = next(line for line in text.splitlines() if line.startswith("Pss:"))
    return int(line.split()[1]) * 1024


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


def test_a_two_worker_pod_stays_under_its_memory_limit_under_the_worst_allowed_requests() -> None:
    env, limit = pod()
    assert env["WORKERS"] == "2"
    with ServerProcess(env=env) as server:
        workers = server.wait_workers(2)
        pids = [server.pid, *workers]
        base = sum(resident(pid) for pid in pids)
        peak = base
        stop = threading.Event()
        statuses: list[tuple[str, int]] = []
        lock = threading.Lock()

        def sample() -> None:
            nonlocal peak
            while not stop.is_set():
                peak = max(peak, sum(resident(pid) for pid in pids))
                time.sleep(0.05)

        def post(name: str, path: str, body: bytes, times: int) -> None:
            with httpx.Client(base_url=server.base_url, headers=JSON, timeout=60) as client:
                for _ in range(times):
                    for _attempt in range(5):  # a batch refused for want of a slot is sent again, as told
                        try:
                            answer = client.post(path, content=body)
                            status = answer.status_code
                        except httpx.HTTPError:
                            status = 0
                        with lock:
                            statuses.append((name, status))
                        if status != 503:
                            break
                        time.sleep(float(answer.headers["retry-after"]))

        def hold_headers(sockets: list[socket.socket]) -> None:
            for _ in range(40):  # two of these and the clients: under one worker's cap, all may land on one
                try:
                    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 16_000)
                    sockets.append(sock)
                except OSError:
                    pass

        held: list[socket.socket] = []
        jobs: list[tuple[Any, ...]] = [(hold_headers, held), (hold_headers, held)]
        jobs += [(post, "largest batch", BATCH, largest_batch(), 3) for _ in range(4)]
        jobs += [(post, "densest batch", BATCH, densest_batch(), 3) for _ in range(2)]
        jobs += [(post, "64 KiB body", "/v1/recommendations", largest_single(), 20) for _ in range(8)]
        sampler = threading.Thread(target=sample)
        sampler.start()
        threads = [threading.Thread(target=job[0], args=job[1:]) for job in jobs]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            time.sleep(0.5)
        finally:
            stop.set()
            sampler.join()
            for sock in held:
                sock.close()
        after = sum(resident(pid) for pid in pids)
        print(
            f"\npod memory: at rest {base / MIB:.0f} MiB, peak {peak / MIB:.0f} MiB, "
            f"after {after / MIB:.0f} MiB, limit {limit / MIB:.0f} MiB; answers {Counter(statuses)}"
        )
        codes = {code for _, code in statuses}
        assert ("largest batch", 200) in statuses and ("densest batch", 200) in statuses
        assert 503 in codes  # some batches were refused for want of a slot
        assert 500 not in codes and 0 not in codes
        assert peak < limit
