"""Running the service's few fixed hot-path statements straight through the database driver.

Owns the one way pinbot talks to the DBAPI driver itself: a pooled connection checked out once for a
piece of hot work (`hot_connection`), fixed SQL texts with `:name` parameters rendered once per
dialect (`Sql`), the driver's values converted both ways exactly as SQLAlchemy would (datetimes on
SQLite, booleans, enums: `Rows`), SQLite write transactions under `BEGIN IMMEDIATE`, and the
driver's errors turned into the same one-line `DatabaseError` as everywhere else.

Why not SQLAlchemy here: the service's idle tick and the claim path are a handful of statements,
and through Core each one cost several times its own SQL in client CPU (execution events, the
compiled-statement cache, result processing, a pool check-out and a pre-ping round trip per
statement on PostgreSQL), so a tick and a claim were 3-60x the raw SQL (issue 16). Only the
claim path and the idle check (`pinbot.posting.claim`, with the gate columns of
`pinbot.store.state`) and the service's heartbeat (`pinbot.store.state`) use this module; every
other query in pinbot goes through SQLAlchemy.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext, suppress
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Dialect, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from pinbot.errors import DatabaseError
from pinbot.store.engine import describe_db_error, is_trouble

# How SQLAlchemy's SQLite dialect stores a DateTime (UTC wall time, microseconds always written).
SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"
_NAME = re.compile(r"(?<![:\w]):(\w+)")
_CURSOR = "pinbot_hot_cursor"  # the pool record's info key: (DBAPI connection, its cursor for hot work)


@lru_cache(maxsize=64)
def sqlite_stamp(value: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite dialect stores it: UTC wall time, four-digit year,
    microseconds always written (the `SQLITE_STAMP` layout; isoformat writes it several times
    faster than strftime). Cached: a post binds the same `now` several times."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


class Sql:
    """One fixed statement written with `:name` parameters, rendered once per dialect's style."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self._pyformat: str | None = None

    def for_dialect(self, dialect: str) -> str:
        if dialect == "sqlite":
            return self.text  # sqlite3 takes :name with a dict as it is
        if self._pyformat is None:  # psycopg: %(name)s, and a literal % doubled
            self._pyformat = _NAME.sub(r"%(\1)s", self.text.replace("%", "%%"))
        return self._pyformat


class Bound(dict[str, Any]):
    """Parameters already in the driver's terms (`HotConnection.bind`): several statements of one
    transaction share them without converting them again."""


def _bind_sqlite(params: Mapping[str, Any]) -> Bound:
    bound = Bound(params)
    for key, value in params.items():
        if isinstance(value, datetime):
            bound[key] = sqlite_stamp(value)
        elif isinstance(value, enum.Enum):
            bound[key] = value.name  # SQLAlchemy's non-native Enum stores the member's name
    return bound


def _bind_pg(params: Mapping[str, Any]) -> Bound:
    bound = Bound(params)
    for key, value in params.items():
        if isinstance(value, enum.Enum):
            bound[key] = value.name
    return bound


class Rows:
    """The shape of a driver row: its columns in order. `reader(conn)` turns a row into {column key:
    value} with SQLAlchemy's own result processing for the connection's dialect (UTC-aware
    datetimes, booleans, enums), so a model built from it equals one the ORM loads."""

    def __init__(self, columns: Sequence[Column[Any]]) -> None:
        self.columns = list(columns)
        self._readers: dict[str, Callable[[Sequence[Any]], dict[str, Any]]] = {}

    def reader(self, conn: HotConnection) -> Callable[[Sequence[Any]], dict[str, Any]]:
        read = self._readers.get(conn.dialect)
        if read is None:
            read = self._readers[conn.dialect] = self._build(conn.sa_dialect)
        return read

    def _build(self, dialect: Dialect) -> Callable[[Sequence[Any]], dict[str, Any]]:
        # The reader is written out as one dict display, column by column (as namedtuple writes its
        # class): a loop over the columns cost more than the row's own fetch.
        width = len(self.columns)
        scope: dict[str, Any] = {}
        items = []
        for i, c in enumerate(self.columns):
            process = _result_processor(c.type.dialect_impl(dialect), dialect)
            if process is None:
                items.append(f"{c.key!r}: row[{i}]")
            else:  # every processor here maps None to None (checked in _result_processor)
                scope[f"p{i}"] = process
                items.append(f"{c.key!r}: None if row[{i}] is None else p{i}(row[{i}])")
        source = (
            "def read(row):\n"
            f"    if len(row) != {width}:\n"
            f"        raise ValueError(f'a row of {{len(row)}} columns where {width} were expected')\n"
            f"    return {{{', '.join(items)}}}\n"
        )
        exec(source, scope)  # the text is built here from the table's own column names
        read: Callable[[Sequence[Any]], dict[str, Any]] = scope["read"]
        return read


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's own result processing, as SQLAlchemy would run it, with a TypeDecorator's
    two layers (the driver value to the inner type, then `process_result_value`) called directly
    instead of through SQLAlchemy's wrapper. Only for types that map None to None, so the reader can
    skip None values (a nullable column is mostly None)."""
    process = type_.result_processor(dialect, None)
    if process is None:
        return None
    if process(None) is not None:
        raise TypeError(f"{type_!r}: a hot-path column whose type turns None into a value")
    if isinstance(type_, TypeDecorator) and type(type_).process_result_value is not TypeDecorator.process_result_value:
        inner = type_.impl_instance.result_processor(dialect, None)  # as TypeDecorator.result_processor does
        outer = type_.process_result_value
        if inner is None:
            return lambda value: outer(value, dialect)

        def layered(value: Any) -> Any:
            return outer(inner(value), dialect)

        if dialect.name == "sqlite" and _reads_utc(layered):
            return _sqlite_utc(layered)
        return layered
    return process


_PROBE = "2026-01-05 09:00:00.000001"


def _reads_utc(process: Callable[[Any], Any]) -> bool:
    """Whether a column reads SQLite's stored UTC wall time as an aware UTC datetime (the models'
    datetime type), checked on a sample rather than assumed from the type's name."""
    value = process(_PROBE)
    return isinstance(value, datetime) and value.tzinfo is UTC and value == _parse_utc(_PROBE)


def _parse_utc(value: str) -> datetime:
    # The offset in the text makes fromisoformat return the UTC singleton itself: ten times
    # cheaper than parsing and then datetime.replace(tzinfo=UTC), the same value.
    return datetime.fromisoformat(value + "+00:00")


def _sqlite_utc(layered: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def process(value: Any) -> Any:
        try:
            parsed = _parse_utc(value)
        except (TypeError, ValueError):  # not the usual layout (an offset, say): the type's own path
            return layered(value)
        # A bare date reads the offset as a time of day: the type's own path for anything not UTC.
        return parsed if parsed.tzinfo is UTC else layered(value)

    return process


class HotConnection:
    """A DBAPI connection in autocommit mode for hot work: each statement commits on its own unless
    run inside `transaction()` (SQLite: BEGIN IMMEDIATE ... COMMIT)."""

    def __init__(self, dialect: Dialect, proxied: Any) -> None:
        self.dialect = dialect.name
        self.sa_dialect = dialect
        self.broken = False  # the server dropped it: never used again
        self._proxied = proxied
        self._raw = proxied.dbapi_connection
        self._dbapi = dialect.loaded_dbapi
        self.bind = _bind_sqlite if self.dialect == "sqlite" else _bind_pg
        if self.dialect != "sqlite":
            self._raw.autocommit = True  # a single statement is its own transaction
        # One cursor per pooled connection, kept with it across check-outs: opening and closing one
        # for every post was a tenth of a claim's client CPU on PostgreSQL. Every statement here is
        # read to its end (`rows`) or returns no rows, so the cursor holds nothing open in between.
        cached = proxied.info.get(_CURSOR)
        if cached is not None and cached[0] is self._raw:
            self._cursor = cached[1]
        else:
            self._cursor = proxied.cursor()
            proxied.info[_CURSOR] = (self._raw, self._cursor)

    def rows(self, sql: Sql, params: Mapping[str, Any]) -> list[Any]:
        """Every row of a query (fetched at once: no statement is left open on SQLite)."""
        try:
            return list(self._execute(sql, params).fetchall())
        except self._dbapi.Error as exc:
            raise self._failed(exc) from None

    def one(self, sql: Sql, params: Mapping[str, Any]) -> Any:
        """The first row of a statement's result, or None."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def count(self, sql: Sql, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        try:
            return int(self._execute(sql, params).rowcount)
        except self._dbapi.Error as exc:
            raise self._failed(exc) from None

    def transaction(self) -> _Transaction:
        """Several statements as one transaction. On SQLite IMMEDIATE takes the write lock up front
        and waits for it (busy_timeout); a deferred BEGIN that later writes fails at once."""
        return _Transaction(self)

    def _begin(self) -> None:
        try:
            if self.dialect == "sqlite":
                self._cursor.execute("BEGIN IMMEDIATE")
            else:
                self._raw.autocommit = False
        except self._dbapi.Error as exc:
            raise self._failed(exc) from None

    def _end(self, exc: BaseException | None) -> None:
        """Commit, or roll back after `exc` (raised in the transaction, or by the commit). A driver
        error is raised as `_failed` says; any other error the caller re-raises as it is."""
        try:
            if exc is None:
                try:
                    self._raw.commit()
                    return
                except BaseException as failed:
                    self._rollback()
                    if isinstance(failed, self._dbapi.Error):
                        raise self._failed(failed) from None
                    raise
            self._rollback()
            if isinstance(exc, self._dbapi.Error):
                raise self._failed(exc) from None
        finally:
            if self.dialect != "sqlite" and not self._raw.closed:
                self._raw.autocommit = True

    def _rollback(self) -> None:
        with suppress(self._dbapi.Error):  # the connection is gone; the error that got us here says why
            self._raw.rollback()

    def close(self) -> None:
        with suppress(self._dbapi.Error):
            if self.dialect != "sqlite" and not self._raw.closed:
                self._raw.autocommit = False  # as SQLAlchemy's pool expects it
        if self.broken:
            with suppress(self._dbapi.Error):
                self._cursor.close()
                self._raw.close()
            return
        self._proxied.close()  # back to the pool, with its cursor

    def _execute(self, sql: Sql, params: Mapping[str, Any]) -> Any:
        bound = params if isinstance(params, Bound) else self.bind(params)
        self._cursor.execute(sql.for_dialect(self.dialect), bound)
        return self._cursor

    def _failed(self, exc: BaseException) -> BaseException:
        """The exception to raise for a driver error: trouble the owner fixes (a locked or damaged
        file, a full disk, a server gone) is one `DatabaseError` line; a connection the server
        dropped is thrown away; a bug in a statement stays loud."""
        if self.sa_dialect.is_disconnect(exc, self._raw, self._cursor):  # type: ignore[arg-type]
            self.broken = True
            self._proxied.invalidate(exc)
        if isinstance(exc, self._dbapi.OperationalError) or type(exc) is self._dbapi.DatabaseError:
            return DatabaseError(describe_db_error(exc))
        return exc


class _Transaction:
    """`HotConnection.transaction()`: a plain context manager (a generator-based one cost several
    microseconds a transaction, twice a post)."""

    __slots__ = ("conn",)

    def __init__(self, conn: HotConnection) -> None:
        self.conn = conn

    def __enter__(self) -> HotConnection:
        self.conn._begin()
        return self.conn

    def __exit__(self, _type: type[BaseException] | None, exc: BaseException | None, _tb: Any) -> None:
        self.conn._end(exc)


def _checkout(engine: Engine) -> Any:
    try:
        return engine.raw_connection()
    except SQLAlchemyError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None


class hot_connection:  # lower case: called as the function it replaced, `with hot_connection(engine) as conn`
    """One pool check-out for several hot statements (a whole post, or an idle tick). A plain
    context manager: a generator-based one cost several microseconds a check-out."""

    __slots__ = ("conn", "engine")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: HotConnection | None = None

    def __enter__(self) -> HotConnection:
        self.conn = HotConnection(self.engine.dialect, _checkout(self.engine))
        return self.conn

    def __exit__(self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: Any) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def ensure(db: Engine | HotConnection) -> AbstractContextManager[HotConnection]:
    """`hot_connection(engine)`, or the caller's connection as it is (already checked out)."""
    return nullcontext(db) if isinstance(db, HotConnection) else hot_connection(db)
