"""Group commit, on SQLite and PostgreSQL: concurrent decisions share a commit, a bad row fails alone,
and a request that gave up before its commit began leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection

from service.config import get_settings
from service.core.models import RecommendationResponse
from service.core.rulebook import RuleBook
from service.decisions.bulk_insert import PreparedRow
from service.decisions.exceptions import IdempotencyConflict
from service.decisions.group_commit import (
    DEFAULT_SWITCH_INTERVAL_S,
    WRITING_SWITCH_INTERVAL_S,
    Abandoned,
    CommitGate,
)
from service.decisions.schemas import RecordedRecommendation
from service.decisions.service import Answer, DecisionLog, Filters, recorded_json
from tests.support.bodies import opinion

BODY = {"opinions": [opinion(), opinion(modalities=("chemotherapy",))]}
RAW = json.dumps(BODY).encode()
WAIT_S = 60


@pytest.fixture(scope="module")
def answer() -> RecommendationResponse:
    rules = RuleBook.load(get_settings().rules_dir)
    return rules.recommender.recommend(rules.parse(BODY))


@contextmanager
def writer_held(log: DecisionLog) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The writer's first write waits until `release` is set; `entered` tells it is there (its group
    claimed). What is submitted meanwhile queues up for the next group."""
    release, entered = threading.Event(), threading.Event()
    write = log._writer._write

    def held(connection: Connection, parts: Sequence[list[PreparedRow]]) -> None:
        if not release.is_set():
            entered.set()
            assert release.wait(WAIT_S)
        write(connection, parts)

    log._writer._write = held
    try:
        yield release, entered
    finally:
        release.set()
        log._writer._write = write


def writer_waits_for_work(log: DecisionLog) -> None:
    """Until the writer thread waits on its condition for parts (its last group fully done)."""
    deadline = time.monotonic() + WAIT_S
    while not log._writer._ready._waiters:  # type: ignore[attr-defined]
        assert time.monotonic() < deadline
        time.sleep(0.001)


def decision_ids(log: DecisionLog) -> set[str]:
    return {str(d.id) for d in log.page(Filters(), limit=500).decisions}


def test_the_answer_spliced_with_its_id_is_what_the_model_serialises(answer: RecommendationResponse) -> None:
    decision_id = uuid.uuid4()
    model = RecordedRecommendation(**answer.model_dump(), decision_id=decision_id)
    # `fhir` (the report on an answer to a FHIR Bundle) is never recorded
    assert recorded_json(answer, decision_id) == model.model_dump_json(exclude={"fhir"})


def test_decisions_waiting_during_a_commit_share_the_next_one(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    before = decision_log._writer.groups
    with writer_held(decision_log) as (release, entered), ThreadPoolExecutor(20) as pool:
        first = pool.submit(decision_log.record, answer, RAW)
        assert entered.wait(WAIT_S)
        others = [pool.submit(decision_log.record, answer, RAW) for _ in range(19)]
        await_queued(decision_log, 19)
        release.set()
        stored = [first.result(WAIT_S), *(f.result(WAIT_S) for f in others)]
    assert decision_log._writer.groups - before == 2  # the first alone, then the 19 that waited for it
    assert {str(s.decision_id) for s in stored} == decision_ids(decision_log)
    assert len(decision_ids(decision_log)) == 20


def await_queued(log: DecisionLog, count: int) -> None:
    """Until `count` decisions wait for the writer (while it is held)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        with log._writer._ready:
            if len(log._writer._waiting) >= count:
                return
        assert time.monotonic() < deadline, f"{count} decisions never queued"
        time.sleep(0.001)


def test_an_idempotency_conflict_fails_only_its_own_request(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    other_body = json.dumps({**BODY, "time_sensitive": True}).encode()
    with writer_held(decision_log) as (release, entered), ThreadPoolExecutor(12) as pool:
        blocker = pool.submit(decision_log.record, answer, RAW)
        assert entered.wait(WAIT_S)
        same_key = [
            pool.submit(decision_log.record, answer, RAW, None, "shared"),
            pool.submit(decision_log.record, answer, other_body, None, "shared"),
        ]
        plain = [pool.submit(decision_log.record, answer, RAW) for _ in range(8)]
        await_queued(decision_log, 10)
        release.set()  # the ten waiting decisions go into one group: one of them is at fault
        blocker.result(WAIT_S)
        kept = [f.result(WAIT_S) for f in plain]
        outcomes: list[Answer | IdempotencyConflict] = []
        for future in same_key:
            try:
                outcomes.append(future.result(WAIT_S))
            except IdempotencyConflict as exc:
                outcomes.append(exc)
    assert sum(isinstance(o, IdempotencyConflict) for o in outcomes) == 1
    recorded = {str(s.decision_id) for s in kept} | {
        str(o.decision_id) for o in outcomes if isinstance(o, Answer)
    }
    assert decision_ids(decision_log) == recorded | {str(blocker.result().decision_id)}
    assert len(recorded) == 9


def test_a_request_that_gave_up_before_its_commit_began_is_not_recorded(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    with writer_held(decision_log) as (release, entered), ThreadPoolExecutor(4) as pool:
        first = pool.submit(decision_log.record, answer, RAW)
        assert entered.wait(WAIT_S)
        gate = CommitGate()
        late = pool.submit(decision_log.record, answer, RAW, None, None, "en", None, gate)
        await_queued(decision_log, 1)
        assert gate.close()  # the time limit: nothing of it has begun to commit
        with pytest.raises(Abandoned):
            decision_log.record(answer, RAW, gate=gate)  # a closed gate admits nothing more
        release.set()
        kept = first.result(WAIT_S)
        with pytest.raises(CancelledError):
            late.result(WAIT_S)
    assert decision_ids(decision_log) == {str(kept.decision_id)}


def test_a_request_whose_commit_began_cannot_give_up_and_is_answered(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    gate = CommitGate()
    with writer_held(decision_log) as (release, entered), ThreadPoolExecutor(2) as pool:
        claimed = pool.submit(decision_log.record, answer, RAW, None, None, "en", None, gate)
        assert entered.wait(WAIT_S)
        assert not gate.close()  # held inside its commit: too late to give up
        release.set()
        stored = claimed.result(WAIT_S)
    assert decision_ids(decision_log) == {str(stored.decision_id)}


def test_decisions_arriving_while_the_writer_waits_for_its_turn_join_its_group(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """On SQLite another process's writer may hold the file: what queues meanwhile is one commit, not two."""
    if decision_log.store.dialect != "sqlite":
        pytest.skip("PostgreSQL writers take no turns")
    before = decision_log._writer.groups
    with ThreadPoolExecutor(10) as pool, decision_log.store.turns:  # another writer's turn
        records = [pool.submit(decision_log.record, answer, RAW) for _ in range(10)]
        await_queued(decision_log, 10)
    stored = [record.result(WAIT_S) for record in records]
    assert decision_log._writer.groups - before == 1
    assert decision_ids(decision_log) == {str(s.decision_id) for s in stored}


def test_a_request_that_gives_up_while_the_writer_waits_for_its_turn_leaves_nothing(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """Waiting for the turn is not a commit begun: the time limit can still close the gate."""
    if decision_log.store.dialect != "sqlite":
        pytest.skip("PostgreSQL writers take no turns")
    gate = CommitGate()
    with ThreadPoolExecutor(2) as pool, decision_log.store.turns:
        kept = pool.submit(decision_log.record, answer, RAW)
        dropped = pool.submit(decision_log.record, answer, RAW, gate=gate)
        await_queued(decision_log, 2)
        assert gate.close()  # nothing of it claimed yet
    assert isinstance(dropped.exception(WAIT_S), CancelledError)
    assert decision_ids(decision_log) == {str(kept.result(WAIT_S).decision_id)}


def test_requests_reaching_their_commit_in_one_pass_of_the_event_loop_share_one_commit(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """The loop wakes the writer once per pass: a wake-up per request cost a GIL hand-over each."""

    async def requests() -> list[Answer]:
        return list(await asyncio.gather(*(decision_log.record_async(answer, RAW) for _ in range(12))))

    first = decision_log.record(answer, RAW)  # the writer thread is running
    writer_waits_for_work(decision_log)  # not still finishing that group, when it would take a part of these
    before = decision_log._writer.groups
    stored = asyncio.run(requests())
    assert decision_log._writer.groups - before == 1
    assert decision_ids(decision_log) == {str(s.decision_id) for s in [first, *stored]}


def test_while_the_writer_has_work_the_gil_changes_hands_within_50_us_and_the_default_returns_after(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """Each wait of the writer for the GIL delays its whole group (and, on SQLite, every other worker's
    writer waiting on the file); outside a commit the event loop keeps CPython's cheaper 5 ms."""
    sqlite = decision_log.store.dialect == "sqlite"  # PostgreSQL: waits for the server at each call anyway
    with ThreadPoolExecutor(1) as pool:
        with writer_held(decision_log) as (release, entered):
            record = pool.submit(decision_log.record, answer, RAW)
            assert entered.wait(WAIT_S)
            during = WRITING_SWITCH_INTERVAL_S if sqlite else DEFAULT_SWITCH_INTERVAL_S
            assert sys.getswitchinterval() == pytest.approx(during)
            release.set()
        record.result(WAIT_S)
    deadline = time.monotonic() + WAIT_S
    while sys.getswitchinterval() != DEFAULT_SWITCH_INTERVAL_S:  # the writer waits for work again
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert pytest.approx(0.005) == DEFAULT_SWITCH_INTERVAL_S
