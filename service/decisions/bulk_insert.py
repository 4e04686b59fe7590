"""Many rows of one table in one INSERT statement, with values prepared before the writer's turn.

The group committer's thread shares the GIL with the event loop, which runs the rules engine (whose C core
never releases it). Each time the writer gives the GIL up it may wait up to a switch interval to get it back,
and each time it holds it the loop waits. An `executemany` releases and takes the GIL again for every row
(sqlite3 steps each row with the GIL released) and runs SQLAlchemy's per-row parameter processing in the
writer. So rows are made ready on the request's own thread instead (`prepare`: the values exactly as
SQLAlchemy's column types would bind them for this dialect), and the writer sends each table's rows as one
multi-row `INSERT ... VALUES (...), (...)` (`execute`): one statement step per table per group.

The statements go straight to the driver's connection, inside the writer's SQLAlchemy transaction: SQLAlchemy
added about 50 us per statement, and psycopg parsed each long multi-row statement for its `%s` placeholders
on every call (it caches only short ones): about a third of the writer's CPU on PostgreSQL (cProfile, groups
of six). So PostgreSQL gets its own numbered placeholders (`$1`, through psycopg's `RawCursor`, which sends
them as they are). A driver error is raised as SQLAlchemy's (`DBAPIError.instance`, parameters hidden), so
an integrity error is still `IntegrityError` and a lost connection still an `OperationalError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.exc import DBAPIError

# Bound parameters one statement may carry: SQLite since 3.32 allows 32,766, PostgreSQL 65,535.
MAX_PARAMETERS = {"sqlite": 32_766, "postgresql": 65_535}


class PreparedRow(NamedTuple):
    """One row: its column names (the order of the dict it was made from) and its values, ready to bind."""

    columns: tuple[str, ...]
    values: tuple[object, ...]


class BulkInsert:
    """INSERTs into one table for one dialect."""

    def __init__(self, table: Table, dialect: Dialect, max_parameters: int | None = None) -> None:
        if dialect.name not in MAX_PARAMETERS:
            raise ValueError(f"unsupported database {dialect.name}")
        self.table = table
        self._quote = dialect.identifier_preparer.quote
        self._numbered = dialect.name == "postgresql"
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error
        self._max_parameters = max_parameters or MAX_PARAMETERS[dialect.name]
        self._process: dict[str, Callable[[Any], Any]] = {}
        self._positions: dict[tuple[str, ...], list[tuple[int, Callable[[Any], Any]]]] = {}
        for column in table.columns:
            process = column.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._process[column.name] = process

    def prepare(self, row: Mapping[str, object]) -> PreparedRow:
        """The row's values as the driver takes them (a uuid as SQLite's 32 hex digits, say)."""
        columns = tuple(row)
        return PreparedRow(columns, self._converted(self._processors(columns), row))

    @staticmethod
    def _converted(
        processors: list[tuple[int, Callable[[Any], Any]]], row: Mapping[str, object]
    ) -> tuple[object, ...]:
        values = list(row.values())
        for i, process in processors:
            if values[i] is not None:
                values[i] = process(values[i])
        return tuple(values)

    def _processors(self, columns: tuple[str, ...]) -> list[tuple[int, Callable[[Any], Any]]]:
        """Which positions of a row with these columns need converting, and how (kept per column order)."""
        found = self._positions.get(columns)
        if found is None:
            found = [(i, self._process[name]) for i, name in enumerate(columns) if name in self._process]
            self._positions[columns] = found
        return found

    def execute(self, connection: Connection, rows: Sequence[PreparedRow]) -> None:
        """Insert `rows` in as few statements as the parameter limit allows (one, for a usual group)."""
        by_columns: dict[tuple[str, ...], list[tuple[object, ...]]] = {}
        for row in rows:
            by_columns.setdefault(row.columns, []).append(row.values)
        driver = connection.connection.driver_connection
        cursor = _raw_cursor(driver) if self._numbered else driver.cursor()  # type: ignore[union-attr]
        try:
            for columns, values in by_columns.items():
                per_statement = max(1, self._max_parameters // len(columns))
                for start in range(0, len(values), per_statement):
                    chunk = values[start : start + per_statement]
                    sql = self._sql(columns, len(chunk))
                    parameters = tuple(value for row in chunk for value in row)
                    try:
                        cursor.execute(sql, parameters)
                    except self._dbapi_error as exc:
                        raise DBAPIError.instance(
                            sql, None, exc, self._dbapi_error, hide_parameters=True
                        ) from exc
        finally:
            cursor.close()

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one BulkInsert per table and log: a handful)
    def _sql(self, columns: tuple[str, ...], count: int) -> str:
        width = len(columns)
        if self._numbered:
            rows = (
                "(" + ", ".join(f"${row * width + i + 1}" for i in range(width)) + ")" for row in range(count)
            )
        else:
            rows = ("(" + ", ".join(["?"] * width) + ")" for _ in range(count))
        names = ", ".join(self._quote(name) for name in columns)
        return f"INSERT INTO {self._quote(self.table.name)} ({names}) VALUES " + ", ".join(rows)


def _raw_cursor(driver: Any) -> Any:
    """psycopg's cursor that takes PostgreSQL's own `$n` placeholders and sends the query unparsed."""
    from psycopg import RawCursor  # PostgreSQL only: SQLite deployments need not import psycopg

    return RawCursor(driver)
