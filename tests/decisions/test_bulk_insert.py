"""The writer's multi-row INSERTs, on SQLite and PostgreSQL: rows read back as SQLAlchemy's own insert
writes them, also when a group needs more statements than one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select

from service.decisions.bulk_insert import BulkInsert
from service.decisions.models import Decision
from service.decisions.service import DecisionLog


def decision(n: int, writer: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "created_at": datetime(2026, 1, 2, 3, 4, 5, 600_000 + n, tzinfo=UTC),
        "client_id": f"client {n}",
        "ruleset_version": "2026.1.0",
        "ruleset_sha256": "a" * 64,
        "request_storage": "none",
        "request_json": None,
        "request_hash": None,
        "response_json": f'{{"n": {n}}}',
        "lang": "es" if n % 2 else "en",
        "idempotency_key": None if n % 3 else f"{writer} {n}",
        "request_fingerprint": None,
    }


def test_rows_split_over_several_statements_read_back_as_sqlalchemy_writes_them(
    decision_log: DecisionLog,
) -> None:
    table = Decision.metadata.tables[Decision.__tablename__]
    engine = decision_log.store.engine
    # Two rows' worth of parameters per statement: eleven rows take six statements.
    bulk = BulkInsert(table, engine.dialect, max_parameters=2 * len(table.columns))
    ours, theirs = [decision(n, "ours") for n in range(11)], [decision(n, "theirs") for n in range(11)]
    with engine.begin() as connection:
        bulk.execute(connection, [bulk.prepare(row) for row in ours])
        connection.execute(insert(table), theirs)
    with engine.connect() as connection:
        stored = {row.id: row._asdict() for row in connection.execute(select(table))}
        raw = {
            row[0]: tuple(row[1:])
            for row in connection.exec_driver_sql("SELECT id, created_at, client_id, lang FROM decisions")
        }
    assert len(stored) == 22
    for mine, sqlalchemys in zip(ours, theirs, strict=True):
        read_mine, read_theirs = stored[mine["id"]], stored[sqlalchemys["id"]]
        same = {"id": None, "idempotency_key": None}
        assert {**read_mine, **same} == {**read_theirs, **same}
        assert read_mine["idempotency_key"] == mine["idempotency_key"]
    # the same form in the store itself (SQLite keeps text), not only once SQLAlchemy has read it back
    for mine, sqlalchemys in zip(ours, theirs, strict=True):
        assert raw[bulk.prepare(mine).values[0]] == raw[bulk.prepare(sqlalchemys).values[0]]
