"""The decision log itself, on SQLite and PostgreSQL: recording, replay, races, purge."""

from __future__ import annotations

import hashlib
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from service.config import get_settings
from service.core.models import RecommendationResponse
from service.core.rulebook import RuleBook
from service.decisions.exceptions import DecisionNotFound, IdempotencyConflict, StoreUnavailable
from service.decisions.migrate import upgrade
from service.decisions.models import Decision, DecisionStep
from service.decisions.schemas import FeedbackOutcome, FeedbackRequest, ReasonCode
from service.decisions.service import DecisionLog, Filters, ReplayedAnswer, canonical_json, card_uuid
from service.decisions.store import Store
from tests.support.bodies import TREATMENTS_DIFFER

BODY = TREATMENTS_DIFFER
RAW = json.dumps(BODY).encode()
RULES = RuleBook.load(get_settings().rules_dir)


@pytest.fixture(scope="module")
def answer() -> RecommendationResponse:
    return RULES.recommender.recommend(RULES.parse(BODY))


def test_a_recorded_decision_reads_back_byte_for_byte(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    stored = decision_log.record(answer, RAW)
    decision_id = uuid.UUID(json.loads(stored.body)["decision_id"])
    assert decision_log.get(decision_id) == stored
    with pytest.raises(DecisionNotFound):
        decision_log.get(uuid.uuid4())


def test_a_decision_reads_back_with_the_time_it_was_given(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    before = datetime.now(UTC)
    stored = decision_log.record(answer, RAW)
    decision_id = uuid.UUID(json.loads(stored.body)["decision_id"])
    read, given_at = decision_log.get_dated(decision_id)
    assert read == stored
    assert before - timedelta(seconds=1) <= given_at <= datetime.now(UTC)
    assert given_at.tzinfo is not None
    with pytest.raises(DecisionNotFound):
        decision_log.get_dated(decision_id, owner="another-client")


def test_a_replay_is_found_by_key_and_body_whatever_the_spacing(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    stored = decision_log.record(answer, RAW, idempotency_key="k1")
    spaced = json.dumps(BODY, indent=2, sort_keys=True).encode()
    assert decision_log.replay("anonymous", "k1", spaced) == stored
    assert decision_log.replay("another-client", "k1", RAW) is None
    with pytest.raises(IdempotencyConflict):
        decision_log.replay("anonymous", "k1", json.dumps({**BODY, "time_sensitive": True}).encode())


def test_simultaneous_retries_with_one_key_keep_one_decision(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    with ThreadPoolExecutor(8) as pool:
        retries = pool.map(lambda _: decision_log.record(answer, RAW, idempotency_key="race"), range(16))
        answers = list(retries)
    assert len(set(answers)) == 1
    assert len(decision_log.page(Filters()).decisions) == 1


def test_purge_deletes_old_decisions_with_their_feedback_only(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    now = datetime.now(UTC)
    old = json.loads(decision_log.record(answer, RAW, now=now - timedelta(days=40)).body)["decision_id"]
    new = json.loads(decision_log.record(answer, RAW, now=now - timedelta(days=10)).body)["decision_id"]
    step = answer.next_steps[0].code
    with RULES.vocabulary.bound():
        feedback = FeedbackRequest.model_validate(
            {"step_code": step, "outcome": "done", "reporter": "patient"}
        )
    for decision_id in (old, new):
        decision_log.add_feedback(uuid.UUID(decision_id), feedback, source="cds_hooks")
    assert decision_log.purge(now - timedelta(days=30)) == (1, 1)
    assert [str(d.id) for d in decision_log.page(Filters()).decisions] == [new]
    with pytest.raises(DecisionNotFound):
        decision_log.get(uuid.UUID(old))
    report = {s.code: s for s in decision_log.report(Filters(), []).steps}
    assert report[step].feedback.done == 1 and report[step].recommended == 1


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/wal.sqlite3")
    try:
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
    finally:
        store.close()


def test_an_unreachable_store_is_reported_as_unavailable(answer: RecommendationResponse) -> None:
    from tests.support.server import free_port

    store = Store(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none")
    try:
        assert store.ping() is False
        with pytest.raises(StoreUnavailable):
            DecisionLog(store).record(answer, RAW)
    finally:
        store.close()


def test_paging_is_stable_when_many_decisions_share_one_timestamp(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    made = {json.loads(decision_log.record(answer, RAW, now=at).body)["decision_id"] for _ in range(5)}
    made.add(
        json.loads(decision_log.record(answer, RAW, now=at - timedelta(microseconds=1)).body)["decision_id"]
    )
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = decision_log.page(Filters(), limit=2, cursor=cursor)
        seen += [str(d.id) for d in page.decisions]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 6 and set(seen) == made
    times = [d.created_at for d in decision_log.page(Filters(), limit=10).decisions]
    assert times == sorted(times, reverse=True) and times[0] == at


def test_a_fingerprint_is_keyed_by_the_deployment_secret_even_without_a_salt(
    decision_log: DecisionLog, answer: RecommendationResponse, tmp_path: Path
) -> None:
    """DECISION_REQUEST_STORAGE=none and no salt: the fingerprint kept for an Idempotency-Key is an HMAC
    with the secret migration 0004 made for this store, not a SHA-256 anyone can check a guess against."""
    assert decision_log.request_storage == "none" and decision_log.salt is None
    decision_log.record(answer, RAW, idempotency_key="keyed")
    with decision_log.store.session() as session:
        kept = session.execute(text("SELECT request_fingerprint FROM decisions")).scalar_one()
    canonical = canonical_json(RAW).encode()
    assert kept != hashlib.sha256(canonical).hexdigest()
    # Another deployment (another store) has another secret, so another fingerprint for the same body.
    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    upgrade(other_url)
    other = DecisionLog(Store(other_url))
    try:
        other.record(answer, RAW, idempotency_key="keyed")
        with other.store.session() as session:
            assert session.execute(text("SELECT request_fingerprint FROM decisions")).scalar_one() != kept
    finally:
        other.store.close()
    # The secret is kept with the store: a new process over it finds the retry.
    again = DecisionLog(Store(decision_log.store.url))
    try:
        assert again.replay("anonymous", "keyed", RAW) is not None
    finally:
        again.store.close()


def test_a_retry_that_loses_the_race_is_told_it_is_a_replay(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    first = decision_log.record(answer, RAW, idempotency_key="lost")
    # The second passed its replay check before the first committed: its insert fails on the key.
    second = decision_log.record(answer, RAW, idempotency_key="lost")
    assert isinstance(second, ReplayedAnswer) and second == first
    assert not isinstance(first, ReplayedAnswer)


@pytest.mark.parametrize(
    ("decision_id", "code", "card"),
    [  # derived once and kept with the steps: feedback on cards already shown looks these up
        ("9f265c13-d2c9-49de-bc1f-aed5c3c93c93", "joint_review", "efafe9c2-005d-833b-93c2-818fc4f8f4a5"),
        ("00000000-0000-4000-8000-000000000000", "contact_navigator", "c84f67e7-268a-8755-858b-23f59776677b"),
        ("ffffffff-ffff-4fff-bfff-ffffffffffff", "tumor_board", "b640bef0-c79e-832f-ae80-e170c3db3687"),
    ],
)
def test_a_card_uuid_is_derived_as_it_always_was(decision_id: str, code: str, card: str) -> None:
    derived = card_uuid(uuid.UUID(decision_id), code)
    assert derived == uuid.UUID(card) and derived.version == 8 and derived.variant == uuid.RFC_4122


def helpful(card: str) -> tuple[str, FeedbackOutcome, ReasonCode | None]:
    return card, "helpful", None


def stored_cards(decision_log: DecisionLog, decision_id: uuid.UUID) -> list[uuid.UUID | None]:
    with decision_log.store.session() as session:
        query = select(DecisionStep.card_uuid).where(DecisionStep.decision_id == decision_id)
        return list(session.scalars(query))


def test_cards_of_a_new_decision_are_found_by_feedback_without_being_stored(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """Revision 0007: each card is derived from the decision id and the step code, and found by its time."""
    kept = decision_log.record(answer, RAW, client_id="portal-a")
    other = decision_log.record(answer, RAW, client_id="portal-b")  # most likely the same millisecond
    assert kept.decision_id is not None and other.decision_id is not None
    assert stored_cards(decision_log, kept.decision_id) == []  # no row of its own (revision 0008)
    codes = [step.code for step in answer.next_steps]
    cards = [str(card_uuid(kept.decision_id, code)) for code in codes]
    entries = [helpful(card) for card in cards]
    # another client's cards are unknown to this one; a uuid of the same millisecond that is no card either
    assert decision_log.add_card_feedback(entries[:1], "portal-b", owner="portal-b") == [0]
    near_miss = uuid.UUID(int=uuid.UUID(cards[0]).int ^ 1)
    assert decision_log.add_card_feedback([helpful(str(near_miss))], "portal-a") == [0]
    assert decision_log.add_card_feedback(entries, "portal-a", owner="portal-a") == []
    report = {step.code: step for step in decision_log.report(Filters(client_id="portal-a"), codes).steps}
    assert {code: report[code].feedback.helpful for code in codes} == dict.fromkeys(codes, 1)
    assert decision_log.report(Filters(client_id="portal-b"), codes).steps[0].feedback.helpful == 0


def test_the_step_code_filter_finds_a_code_whole_and_nothing_else(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """Revision 0008: the filter searches the steps kept in the decision's own row. A code matches only a
    step with that code: not part of another code, not a rule id, not a LIKE pattern."""
    kept = decision_log.record(answer, RAW)
    codes = [step.code for step in answer.next_steps]

    def found(code: str) -> list[uuid.UUID]:
        return [decision.id for decision in decision_log.page(Filters(code=code)).decisions]

    for code in codes:
        assert found(code) == [kept.decision_id]
    absent = [code for code in RULES.catalog.step_codes if code not in codes]
    rule_ids = {reason.rule for step in answer.next_steps for reason in step.reasons} - set(codes)
    near = [code[:-1] for code in codes] + [code.replace("_", "%") for code in codes] + ["%", "_"]
    assert absent and rule_ids
    for other in [*absent, *rule_ids, *near]:
        assert found(other) == [], other


def test_a_card_stored_before_revision_0007_is_still_found(
    decision_log: DecisionLog, answer: RecommendationResponse
) -> None:
    """Decisions with a random id (and any card stored before) are found by the stored uuid."""
    old_id, issued = uuid.uuid4(), uuid.uuid4()  # a random decision id, a card issued before derivation
    with decision_log.store.session() as session:
        session.execute(
            insert(Decision).values(
                id=old_id,
                created_at=datetime.now(UTC),
                client_id="anonymous",
                ruleset_version=answer.ruleset.version,
                ruleset_sha256=answer.ruleset.sha256,
                request_storage="none",
                response_json=answer.model_dump_json(),
            )
        )
        session.execute(
            insert(DecisionStep).values(
                decision_id=old_id, rank=1, code="joint_review", rule_ids="[]", card_uuid=issued
            )
        )
    assert decision_log.add_card_feedback([helpful(str(issued))]) == []
    # its derived card was never issued (the stored one was), and a random id has no time to look up
    assert decision_log.add_card_feedback([helpful(str(card_uuid(old_id, "joint_review")))]) == [0]
