"""/readyz tells the truth: while every write to the decision store fails (here PostgreSQL refuses inserts
with SQLSTATE 53100, disk full, as on a full disk) and `SELECT 1` still answers, the service is not ready;
once a write succeeds it is ready again."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.bodies import opinion
from tests.support.server import AUTH

COMPARISON = {"opinions": [opinion(), opinion(stage="III")]}
FULL_DISK = """
CREATE OR REPLACE FUNCTION nextsteps_disk_full() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER nextsteps_disk_full BEFORE INSERT ON decisions
    FOR EACH ROW EXECUTE FUNCTION nextsteps_disk_full();
"""
ROOMY_DISK = "DROP TRIGGER nextsteps_disk_full ON decisions; DROP FUNCTION nextsteps_disk_full();"


def execute(url: str, statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statements))
    finally:
        engine.dispose()


def test_readiness_fails_after_failed_writes_and_returns_after_a_good_one(
    store_url: str, store_server: str
) -> None:
    if not store_url.startswith("postgresql"):
        pytest.skip("a full disk is simulated with a PostgreSQL trigger")
    with httpx.Client(base_url=store_server, headers=AUTH, timeout=30) as client:
        assert client.get("/readyz").status_code == 200
        execute(store_url, FULL_DISK)
        try:
            assert client.post("/v1/recommendations", json=COMPARISON).status_code == 503
            not_ready = client.get("/readyz")
            assert not_ready.status_code == 503
            assert "Recent writes" in not_ready.json()["detail"]
        finally:
            execute(store_url, ROOMY_DISK)
        assert client.post("/v1/recommendations", json=COMPARISON).status_code == 200
        assert client.get("/readyz").status_code == 200
