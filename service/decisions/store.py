"""Where decisions are kept: a SQLAlchemy engine for SQLite (default) or PostgreSQL (DATABASE_URL).

SQLite is a file under DATA_DIR in WAL mode with synchronous=FULL, so a committed decision survives a crash of
the process or the machine. PostgreSQL connections are checked before use (pool_pre_ping), so the service
recovers by itself when the server comes back. Any failure to reach the store is raised as StoreUnavailable.
"""

from __future__ import annotations

import fcntl
import os
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


def unavailable(exc: DBAPIError) -> Exception:
    """The exception to raise for a database error: StoreUnavailable when the store is down or failed
    (OperationalError, a lost connection), else the error itself (an IntegrityError, say)."""
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        return StoreUnavailable(type(exc).__name__)
    return exc


class WriterTurns:
    """One SQLite writer at a time: a lock for this process's threads, then flock on `path` (if given)
    for the other processes; both are released when the holder ends, even by kill -9."""

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> WriterTurns:
        self._lock.acquire()
        try:
            if self._path is not None:
                if self._fd is None:
                    self._path.parent.mkdir(parents=True, exist_ok=True)
                    self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._lock.release()


class Store:
    """An engine and its sessions; every use goes through session() so errors become StoreUnavailable."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.failed_at: float | None = None  # time.monotonic() of the last failed session, until one succeeds
        # SQLite takes one writer at a time and makes the others sleep and retry (the busy handler backs
        # off up to 100 ms): taking turns on a lock is much faster, in this process (a threading lock) and
        # between the workers sharing the file (flock on a file beside it). Other programs writing to the
        # file (a purge, a migration) still rely on busy_timeout.
        self.turns: AbstractContextManager[object] = nullcontext()
        if self.dialect == "sqlite":
            database = make_url(url).database
            shared = database not in (None, "", ":memory:")
            self.turns = WriterTurns(Path(f"{database}.writer-lock") if shared else None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success; a store failure is raised as StoreUnavailable, and remembered
        until a session succeeds again (readiness, service/api/routes/health.py)."""
        try:
            with self.turns, self.sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            error = unavailable(exc)
            if error is not exc:
                self.note_failure()
            raise error from exc
        except PoolTimeout as exc:
            self.note_failure()
            raise StoreUnavailable(type(exc).__name__) from exc
        self.failed_at = None

    def note_failure(self) -> None:
        """Remember that the store failed now (readiness), until a session or a commit succeeds."""
        self.failed_at = time.monotonic()

    def failed_recently(self) -> bool:
        """The store failed (a full disk, a lost server) in the last FAILURE_MEMORY_S seconds and nothing
        has succeeded since: `SELECT 1` may still answer while every write fails."""
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
