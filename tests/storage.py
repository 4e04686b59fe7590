"""Decision-store fixtures: every storage test runs on SQLite and on a real PostgreSQL.

PostgreSQL is a private server of the test session (tests/support/services.py; TEST_POSTGRES_URL for one of
your own); each test session creates its own uniquely named databases and drops them at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from service.decisions.migrate import upgrade
from service.decisions.models import Decision, DecisionStep, StepFeedback
from service.decisions.service import DecisionLog
from service.decisions.store import Store
from tests.support.server import AUTH, running_server
from tests.support.services import postgres_admin_url

BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def postgres_database(admin_url: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database for this test session; dropped afterwards."""
    admin_url = admin_url or postgres_admin_url()
    name = f"nextsteps_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def empty_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty database of the given kind: a new SQLite file or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'decisions-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(scope="session", params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated store, one per backend for the whole session."""
    with empty_database(request.param, tmp_path_factory.mktemp("store")) as url:
        upgrade(url)
        yield url


@pytest.fixture
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database per test (parametrize with indirect=True over BACKENDS)."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def decision_log(store_url: str) -> Iterator[DecisionLog]:
    """The decision log over an emptied store."""
    store = Store(store_url)
    with store.session() as session:
        for table in (StepFeedback, DecisionStep, Decision):
            session.execute(delete(table))
    log = DecisionLog(store)
    try:
        yield log
    finally:
        log.close()


@pytest.fixture(scope="session")
def store_server(store_url: str) -> Iterator[str]:
    """`python -m service` over the session's store of this backend."""
    with running_server(DATABASE_URL=store_url) as base:
        yield base


@pytest.fixture
def store_client(store_server: str, decision_log: DecisionLog) -> Iterator[httpx.Client]:
    """A client of the server over an emptied store."""
    with httpx.Client(base_url=store_server, timeout=30, headers=AUTH) as c:
        yield c
