"""PostgreSQL crashes mid-load and comes back: no acknowledged decision is lost, the service heals itself.

Uses a throwaway PostgreSQL server of its own (tests/pg_cluster.py), never the shared one on 5432.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import select

from service.decisions.models import Decision
from service.decisions.store import Store
from tests.pg_cluster import ThrowawayPostgres
from tests.support.bodies import opinion
from tests.support.server import AUTH, running_server

BODY = {"opinions": [opinion(), opinion(modalities=("chemotherapy",))]}
DEADLINE_S = 120


@pytest.fixture
def postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


class Load:
    """Threads posting recommendations until stopped; every answer is kept."""

    def __init__(self, base: str, threads: int = 4) -> None:
        self.base = base
        self.results: list[tuple[int, str, dict[str, object]]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30, headers=AUTH) as client:
            while not self.stopping.is_set():
                response = client.post("/v1/recommendations", json=BODY)
                with self.lock:
                    self.results.append(
                        (response.status_code, response.headers["content-type"], response.json())
                    )

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for s, _, _ in self.results if s == status)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def ready(base: str) -> int:
    return httpx.get(f"{base}/readyz", timeout=10).status_code


def test_a_postgres_crash_loses_no_acknowledged_decision(postgres: ThrowawayPostgres) -> None:
    url = postgres.create_database(f"faults_{uuid.uuid4().hex[:8]}")
    with running_server(DATABASE_URL=url) as base, Load(base) as load:
        wait_for(lambda: load.count(200) >= 100, "100 decisions before the crash")
        postgres.stop("immediate")
        acked_before_restart = load.count(200)
        refused_before = load.count(503)
        wait_for(lambda: load.count(503) >= refused_before + 50, "503s while the store is down")
        for path in ("/readyz", "/v1/decisions", f"/v1/recommendations/{uuid.uuid4()}"):
            down = httpx.get(f"{base}{path}", timeout=10, headers=AUTH)
            assert down.status_code == 503 and down.headers["content-type"] == "application/problem+json"
        postgres.start()
        wait_for(lambda: ready(base) == 200, "readiness after the store returns")
        wait_for(lambda: load.count(200) >= acked_before_restart + 100, "100 decisions after the restart")

    statuses = {status for status, _, _ in load.results}
    assert statuses <= {200, 503}, statuses
    for status, content_type, body in load.results:
        if status == 503:
            assert content_type == "application/problem+json" and "next_steps" not in body
    acknowledged = {uuid.UUID(str(body["decision_id"])) for status, _, body in load.results if status == 200}
    store = Store(url)
    try:
        with store.session() as session:
            kept = set(session.scalars(select(Decision.id)))
    finally:
        store.close()
    missing = acknowledged - kept
    print(
        f"\nfault test: {len(load.results)} requests, {len(acknowledged)} acknowledged (200),"
        f" {load.count(503)} refused (503), {len(missing)} acknowledged decisions missing,"
        f" {len(kept) - len(acknowledged)} recorded but not acknowledged"
    )
    assert missing == set()
