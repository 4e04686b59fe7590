"""Where decisions are kept: a SQLAlchemy engine for SQLite (default) or PostgreSQL (DATABASE_URL).

SQLite is a file under DATA_DIR in WAL mode with synchronous=FULL, so a committed decision survives a crash of
the process or the machine. PostgreSQL connections are checked before use (pool_pre_ping), so the service
recovers by itself when the server comes back. Any failure to reach the store is raised as StoreUnavailable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings

SQLITE_FILE = "decisions.sqlite3"
CONNECT_TIMEOUT_S = 3
# After a failed write, /readyz answers 503 this long, unless a write succeeds first.
FAILURE_MEMORY_S = 30.0


class StoreUnavailable(Exception):
    """The decision store cannot be reached or failed; the request gets a 503."""


def database_url(settings: Settings) -> str:
    """DATABASE_URL if set (postgresql:// means psycopg 3), else the SQLite file under DATA_DIR."""
    if settings.database_url is not None:
        url = make_url(settings.database_url.get_secret_value())
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return f"sqlite:///{settings.data_dir / SQLITE_FILE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine with the settings this service relies on (WAL for SQLite, pre-ping and timeouts for PG)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        if parsed.database and parsed.database != ":memory:":
            directory = Path(parsed.database).parent

            def _make_directory(*_: Any) -> None:  # on first connect, not when the app is built
                directory.mkdir(parents=True, exist_ok=True)

            event.listen(engine, "do_connect", _make_directory)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=CONNECT_TIMEOUT_S,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )


class Store:
    """An engine and its sessions; every use goes through session() so errors become StoreUnavailable."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.failed_at: float | None = None  # time.monotonic() of the last failed session, until one succeeds
        # SQLite takes one writer at a time and makes the others sleep and retry (the busy handler backs
        # off up to 100 ms): within a process, taking turns on a lock is much faster. Other processes
        # sharing the file still rely on busy_timeout.
        self._turns: AbstractContextManager[object] = (
            threading.Lock() if self.dialect == "sqlite" else nullcontext()
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success; a store failure is raised as StoreUnavailable, and remembered
        until a session succeeds again (readiness, service/api/routes/health.py)."""
        try:
            with self._turns, self.sessions.begin() as session:
                yield session
        except (OperationalError, PoolTimeout) as exc:
            self.failed_at = time.monotonic()
            raise StoreUnavailable(type(exc).__name__) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                self.failed_at = time.monotonic()
                raise StoreUnavailable(type(exc).__name__) from exc
            raise
        self.failed_at = None

    def failed_recently(self) -> bool:
        """A session failed on the store (a full disk, a lost server) in the last FAILURE_MEMORY_S seconds
        and none has succeeded since: `SELECT 1` may still answer while every write fails."""
        failed_at = self.failed_at
        return failed_at is not None and time.monotonic() - failed_at < FAILURE_MEMORY_S

    def ping(self) -> bool:
        """True when the store answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except (DBAPIError, PoolTimeout):
            return False

    def close(self) -> None:
        self.engine.dispose()
