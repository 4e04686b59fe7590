"""Migrations on SQLite and PostgreSQL: from empty, from the previous revision, and down-and-up with data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect, select, text

from service.decisions.migrate import downgrade, upgrade
from service.decisions.models import Base, Decision, DecisionStep, StepFeedback
from service.decisions.service import StoredStep, card_uuid, read_steps, steps_json
from service.decisions.store import Store
from tests.storage import BACKENDS

HEAD = "0008_steps_in_decision_row"
PREVIOUS = "0007_derived_cards_not_stored"
OLDER = [
    "0001_decisions",
    "0002_feedback",
    "0003_lang_and_cards",
    "0004_deployment_secret",
    "0005_tenants_and_rules_fired",
    "0006_drop_step_code_index",
    "0007_derived_cards_not_stored",
]
pytestmark = pytest.mark.parametrize("empty_url", BACKENDS, indirect=True)


def revision(url: str) -> str | None:
    store = Store(url)
    try:
        with store.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        store.close()


def insert_decision(url: str, steps_in_row: bool = False) -> uuid.UUID:
    """A decision with one step: in the columns that revision 0001 already has, or as the code writes it
    since revision 0008 (`steps_in_row`)."""
    decision_id = uuid.uuid4()
    store = Store(url)
    try:
        with store.session() as session:
            session.execute(
                insert(Decision).values(
                    id=decision_id,
                    created_at=datetime.now(UTC),
                    client_id="anonymous",
                    ruleset_version="1",
                    ruleset_sha256="0" * 64,
                    request_storage="none",
                    response_json="{}",
                    **({"steps": steps_json([(1, "joint_review", ())])} if steps_in_row else {}),
                )
            )
            if not steps_in_row:
                session.execute(
                    insert(DecisionStep).values(
                        decision_id=decision_id, rank=1, code="joint_review", rule_ids="[]"
                    )
                )
    finally:
        store.close()
    return decision_id


def count(url: str, table: str) -> int:
    store = Store(url)
    try:
        with store.engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        store.close()


def stored_cards(url: str) -> set[tuple[uuid.UUID, uuid.UUID | None]]:
    store = Store(url)
    try:
        with store.session() as session:
            rows = session.execute(select(DecisionStep.decision_id, DecisionStep.card_uuid)).all()
            return {(decision_id, card) for decision_id, card in rows}
    finally:
        store.close()


def steps_of(url: str, decision_id: uuid.UUID) -> list[StoredStep]:
    store = Store(url)
    try:
        with store.session() as session:
            return read_steps(session.scalar(select(Decision.steps).where(Decision.id == decision_id)))
    finally:
        store.close()


JOINT_REVIEW = [StoredStep(rank=1, code="joint_review", rules=[])]


def test_an_empty_database_upgrades_to_exactly_the_models(empty_url: str) -> None:
    assert revision(empty_url) is None
    upgrade(empty_url)
    assert revision(empty_url) == HEAD
    store = Store(empty_url)
    try:
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            assert {"decisions", "decision_steps", "feedback"} <= set(inspect(connection).get_table_names())
    finally:
        store.close()
    upgrade(empty_url)  # a second start-up finds nothing to do
    assert revision(empty_url) == HEAD


@pytest.mark.parametrize("start", OLDER)
def test_a_database_at_an_earlier_revision_upgrades_with_its_data(empty_url: str, start: str) -> None:
    upgrade(empty_url, start)
    assert revision(empty_url) == start
    kept = insert_decision(empty_url)
    upgrade(empty_url)
    assert revision(empty_url) == HEAD
    assert count(empty_url, "decisions") == 1 and count(empty_url, "feedback") == 0
    # revision 0008: the step is in the decision's row; a row of its own stays only with a stored card
    assert steps_of(empty_url, kept) == JOINT_REVIEW
    assert all(card is not None for _, card in stored_cards(empty_url))
    store = Store(empty_url)
    try:
        with store.session() as session:
            old = session.get(Decision, kept)
            assert old is not None and old.lang == "en"  # answered in English before 0003
            # before 0005 no tenant, overrides revision or fired rules were kept: NULL, not made up
            assert (old.tenant, old.overrides_revision, old.rules_fired) == (None, None, None)
    finally:
        store.close()


def test_one_step_down_and_up_again_keeps_the_decisions(empty_url: str) -> None:
    upgrade(empty_url)
    plain = insert_decision(empty_url, steps_in_row=True)
    with_feedback = insert_decision(empty_url, steps_in_row=True)
    store = Store(empty_url)
    try:
        with store.session() as session:
            session.execute(
                insert(StepFeedback).values(
                    id=uuid.uuid4(),
                    decision_id=with_feedback,
                    created_at=datetime.now(UTC),
                    client_id="anonymous",
                    source="api",
                    reporter="patient",
                    step_code="joint_review",
                    outcome="done",
                )
            )
    finally:
        store.close()
    downgrade(empty_url, "-1")
    assert revision(empty_url) == PREVIOUS
    # the code before 0008 reads steps from their own rows, with no card stored since 0007
    assert stored_cards(empty_url) == {(plain, None), (with_feedback, None)}
    downgrade(empty_url, "-1")
    # the code before 0007 finds a card only by its stored uuid: each step gets the one it was shown with
    assert stored_cards(empty_url) == {
        (decision_id, card_uuid(decision_id, "joint_review")) for decision_id in (plain, with_feedback)
    }
    upgrade(empty_url)
    assert revision(empty_url) == HEAD
    assert count(empty_url, "decisions") == 2 and count(empty_url, "feedback") == 1
    assert steps_of(empty_url, plain) == steps_of(empty_url, with_feedback) == JOINT_REVIEW
    # those cards are stored now, so their rows stay for feedback to find them
    assert count(empty_url, "decision_steps") == 2


def test_replicas_starting_together_migrate_once(empty_url: str) -> None:
    """Three `python -m service.decisions.migrate` at once against one empty database: all succeed."""
    import os
    import subprocess
    import sys

    from tests.support.paths import ROOT

    env = {**os.environ, "DATABASE_URL": empty_url}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "service.decisions.migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert revision(empty_url) == HEAD


def test_answers_are_compressed_with_lz4_on_postgresql(empty_url: str) -> None:
    """pglz took half of PostgreSQL's CPU per decision (migration 0006); SQLite has nothing to set."""
    upgrade(empty_url)
    store = Store(empty_url)
    try:
        if store.dialect != "postgresql":
            pytest.skip("a PostgreSQL column setting")
        with store.engine.connect() as connection:
            method = connection.execute(
                text(
                    "SELECT attcompression FROM pg_attribute"
                    " WHERE attrelid = 'decisions'::regclass AND attname = 'response_json'"
                )
            ).scalar_one()
        assert method == "l"  # lz4 (the test servers are built with it)
    finally:
        store.close()
