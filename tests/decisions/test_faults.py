"""The decision store fails or stalls mid-load: no acknowledged decision is lost, and when it stalls,
every 200 has exactly one decision and no decision exists without its 200 (commit or answer, never neither).

PostgreSQL is a throwaway server of the test's own (tests/pg_cluster.py), never the shared one on 5432.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from service.decisions.models import Decision
from service.decisions.store import SQLITE_FILE, Store
from tests.pg_cluster import ThrowawayPostgres
from tests.support.bodies import opinion
from tests.support.server import AUTH, ServerProcess, running_server

BODY = {"opinions": [opinion(), opinion(modalities=("chemotherapy",))]}
BATCH = {"items": [BODY] * 20}
DEADLINE_S = 120
TIME_LIMIT_S = 2  # REQUEST_TIMEOUT_SECONDS of the stall tests
STALL_S = 6  # longer than the time limit: the requests that wait for the store pass it


@pytest.fixture
def postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


class Outcome:
    """One request as its client saw it: status (0: the connection failed), decision ids, seconds taken."""

    def __init__(self, status: int, content_type: str, body: object, seconds: float) -> None:
        self.status, self.content_type, self.seconds = status, content_type, seconds
        self.body = body if isinstance(body, dict) else {}
        if status != 200:
            self.decisions: list[uuid.UUID] = []
        elif "results" in self.body:
            self.decisions = [uuid.UUID(item["decision_id"]) for item in self.body["results"]]
        else:
            self.decisions = [uuid.UUID(str(self.body["decision_id"]))]


class Load:
    """Threads posting recommendations (and one posting batches) until stopped; every outcome is kept.

    The client waits up to 60 s, so every request the server takes is answered while the store stalls."""

    def __init__(self, base: str, threads: int = 4, batches: bool = False) -> None:
        self.base = base
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        if batches:
            self.threads.append(threading.Thread(target=self._run, args=(True,), daemon=True))

    def arrivals(self, count: int = 6) -> None:
        """`count` more clients, one request each, arriving now (during a stall): the writers already wait
        with the groups they claimed, so these queue unclaimed and must meet the time limit. The load's own
        clients may all sit in claimed groups by then, and would then all be answered late, never refused."""
        for _ in range(count):
            thread = threading.Thread(target=self._run, kwargs={"once": True}, daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, batch: bool = False, once: bool = False) -> None:
        path, body = ("/v1/recommendations:batch", BATCH) if batch else ("/v1/recommendations", BODY)
        with httpx.Client(base_url=self.base, timeout=60, headers=AUTH) as client:
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    response = client.post(path, json=body)
                    outcome = Outcome(
                        response.status_code,
                        response.headers["content-type"],
                        response.json(),
                        time.monotonic() - started,
                    )
                except httpx.TransportError:  # a worker killed mid-request
                    outcome = Outcome(0, "", None, time.monotonic() - started)
                with self.lock:
                    self.outcomes.append(outcome)
                if once:
                    return

    def count(self, status: int) -> int:
        with self.lock:
            return sum(1 for o in self.outcomes if o.status == status)

    def acknowledged(self) -> list[uuid.UUID]:
        return [d for o in self.outcomes for d in o.decisions]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=90)
        assert not any(t.is_alive() for t in self.threads), "a request was never answered"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def ready(base: str) -> int:
    return httpx.get(f"{base}/readyz", timeout=10).status_code


def recorded(url: str) -> list[uuid.UUID]:
    store = Store(url)
    try:
        with store.session() as session:
            return list(session.scalars(select(Decision.id)))
    finally:
        store.close()


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

    assert {o.status for o in load.outcomes} <= {200, 503}
    for outcome in load.outcomes:
        if outcome.status == 503:
            assert outcome.content_type == "application/problem+json" and "next_steps" not in outcome.body
    acknowledged = set(load.acknowledged())
    kept = set(recorded(url))
    missing = acknowledged - kept
    print(
        f"\nfault test: {len(load.outcomes)} requests, {len(acknowledged)} acknowledged (200),"
        f" {load.count(503)} refused (503), {len(missing)} acknowledged decisions missing,"
        f" {len(kept) - len(acknowledged)} recorded but not acknowledged"
    )
    assert missing == set()


def assert_commit_or_answer(load: Load, kept: list[uuid.UUID]) -> None:
    """Every request was answered 200 or 503; the decisions kept are exactly those answered 200."""
    assert {o.status for o in load.outcomes} <= {200, 503}, {o.status for o in load.outcomes}
    refused = [o for o in load.outcomes if o.status == 503]
    assert refused, "the stall never reached the time limit"
    assert all(o.content_type == "application/problem+json" and "next_steps" not in o.body for o in refused)
    answered_late = [o for o in load.outcomes if o.status == 200 and o.seconds > TIME_LIMIT_S]
    acknowledged = load.acknowledged()
    print(
        f"\nstall: {len(load.outcomes)} requests, {len(acknowledged)} decisions answered 200"
        f" ({len(answered_late)} answers sent after the time limit: their commit had begun),"
        f" {len(refused)} refused (503), {len(kept)} decisions kept"
    )
    assert answered_late, "no commit was in progress during the stall"
    assert len(acknowledged) == len(set(acknowledged))
    assert sorted(kept) == sorted(acknowledged)  # no 200 without its decision, no decision without its 200


def test_a_stalled_postgres_commits_exactly_the_decisions_it_answers(postgres: ThrowawayPostgres) -> None:
    url = postgres.create_database(f"stall_{uuid.uuid4().hex[:8]}")
    env = {"DATABASE_URL": url, "REQUEST_TIMEOUT_SECONDS": str(TIME_LIMIT_S)}
    with running_server(**env) as base, Load(base, batches=True) as load:
        wait_for(lambda: load.count(200) >= 50, "50 answers before the stall")
        postgres.pause()
        try:
            time.sleep(0.5)
            load.arrivals()
            time.sleep(STALL_S - 0.5)
        finally:
            postgres.resume()
        answered = load.count(200)
        wait_for(lambda: load.count(200) >= answered + 50, "50 answers after the stall")
    assert_commit_or_answer(load, recorded(url))


@contextlib.contextmanager
def sqlite_locked(database: Path, seconds: float) -> Iterator[None]:
    """Another process holds the SQLite file's write lock for `seconds` (yields once it has it)."""
    holder = (
        "import sqlite3, sys, time\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "db.execute('ROLLBACK')\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", holder, str(database), str(seconds)], stdout=subprocess.PIPE, text=True
    ) as lock:
        assert lock.stdout is not None and lock.stdout.readline().strip() == "locked"
        yield
        assert lock.wait(timeout=60) == 0


def test_a_locked_sqlite_file_commits_exactly_the_decisions_it_answers(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "WORKERS": "2", "REQUEST_TIMEOUT_SECONDS": str(TIME_LIMIT_S)}
    database = tmp_path / SQLITE_FILE
    with running_server(**env) as base, Load(base, batches=True) as load:
        wait_for(lambda: load.count(200) >= 50, "50 answers before the lock")
        with sqlite_locked(database, STALL_S):
            time.sleep(0.5)
            load.arrivals()
        answered = load.count(200)
        wait_for(lambda: load.count(200) >= answered + 50, "50 answers after the lock")
    assert_commit_or_answer(load, recorded(f"sqlite:///{database}"))


def test_a_client_that_leaves_before_its_commit_began_leaves_no_decision(tmp_path: Path) -> None:
    database = tmp_path / SQLITE_FILE
    with running_server(DATA_DIR=str(tmp_path)) as base, httpx.Client(base_url=base, headers=AUTH) as client:
        with sqlite_locked(database, STALL_S), ThreadPoolExecutor(1) as pool:
            # the writer takes the first request's decision and waits for the lock with it
            first = pool.submit(client.post, "/v1/recommendations", json=BODY, timeout=60)
            time.sleep(1)
            with pytest.raises(httpx.ReadTimeout):  # the second queues behind it; its client leaves
                client.post("/v1/recommendations", json=BODY, timeout=1)
        answered = first.result(timeout=60)
        assert answered.status_code == 200
        time.sleep(1)
    assert recorded(f"sqlite:///{database}") == [uuid.UUID(answered.json()["decision_id"])]


def test_a_worker_killed_during_group_commits_loses_no_acknowledged_decision(tmp_path: Path) -> None:
    database = tmp_path / SQLITE_FILE
    with ServerProcess(WORKERS="2", DATA_DIR=str(tmp_path)) as server, Load(server.base_url, 8) as load:
        for kills in range(3):
            answers = 100 * (kills + 1)
            wait_for(lambda: load.count(200) >= answers, "100 answers before each kill")  # noqa: B023
            victim = min(server.wait_workers(2))
            os.kill(victim, signal.SIGKILL)  # in the middle of its group commits: it is under load
            server.wait_workers(2, exclude=frozenset({victim}))
    acknowledged = set(load.acknowledged())
    kept = set(recorded(f"sqlite:///{database}"))
    with contextlib.closing(sqlite3.connect(database)) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    print(
        f"\nkill -9: {len(load.outcomes)} requests, {len(acknowledged)} acknowledged (200),"
        f" {load.count(0)} cut off by the kills, {len(kept) - len(acknowledged)} recorded but cut off"
    )
    assert load.count(0) > 0, "no request was in flight at a kill"
    assert acknowledged - kept == set()
    assert {o.status for o in load.outcomes} <= {0, 200}
