"""`python -m service.decisions.migrate [REVISION]`: bring the decision store to a revision (default head).

`python -m service` runs this once before uvicorn starts its workers, so workers never race to migrate. On
PostgreSQL an advisory lock serialises replicas that start at the same moment against one database; on SQLite
an exclusive lock on a file beside the database does the same for processes on one host.
"""

from __future__ import annotations

import fcntl
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from service.config import get_settings
from service.decisions.store import Store, database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"  # inside the package: installed images have it
LOCK_ID = 0x6E657874  # "next": one advisory lock for nextsteps migrations


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Upgrade the store at url to revision."""
    _run(url, lambda config: command.upgrade(config, revision))


def upgrade_when_reachable(url: str, wait_s: float) -> None:
    """Upgrade to head, retrying while the store cannot be reached (it may start after us) for wait_s."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            upgrade(url)
            return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(1)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the store at url to revision (tests and operators rolling back)."""
    _run(url, lambda config: command.downgrade(config, revision))


@contextmanager
def _sqlite_file_lock(store: Store) -> Iterator[None]:
    """Processes sharing one SQLite file migrate one at a time (an exclusive lock on a file beside it)."""
    database = store.engine.url.database
    if store.dialect != "sqlite" or not database or database == ":memory:":
        yield
        return
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    with open(f"{database}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _run(url: str, action: Callable[[Config], None]) -> None:
    store = Store(url)
    try:
        with _sqlite_file_lock(store), store.engine.connect() as connection:
            if store.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": LOCK_ID})
                connection.commit()
            if store.dialect == "sqlite":
                # Alembic's batch mode rebuilds a SQLite table by dropping it: with foreign keys on, that
                # would cascade and delete every row that refers to it. This connection is discarded after.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            config = alembic_config()
            config.attributes["connection"] = connection
            action(config)
            connection.commit()
            if store.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": LOCK_ID})
                connection.commit()
    finally:
        store.close()


def main(argv: list[str]) -> int:
    settings = get_settings()
    upgrade(database_url(settings), argv[0] if argv else "head")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
