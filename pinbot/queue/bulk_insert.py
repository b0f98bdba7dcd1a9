"""Many new rows into one table in one executemany, the cheapest way the driver allows.

SQLAlchemy Core's executemany builds a parameter dict per row and runs every value through its
type's bind processor one call at a time: for an import of 100,000 pins that is seconds. On SQLite
the rows go to the driver as plain tuples instead, each value through the bind processor of the
column type's implementation for the dialect (asked of SQLAlchemy, as Core asks it), so the stored
values are the ones Core would store (the models' UTC datetimes formatted directly, checked on a
sample against the processor), and a value every row shares (a status, a flag, NULL) is written
into the statement once. Other databases, and rows that would leave a column with a default unset
(Core fills it in), take the Core path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, DateTime, Dialect, Table, insert


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT every row (dicts with the same keys) in one executemany."""
    if not rows:
        return
    keys = list(rows[0])
    for row in rows:
        if len(row) != len(keys):
            raise ValueError(f"row with keys {sorted(row)}; expected {sorted(keys)}")
    if not _fast(connection, table, keys):
        connection.execute(insert(table), rows)
        return
    get = itemgetter(*keys)
    insert_values(connection, table, keys, [get(row) for row in rows])


def insert_values(connection: Connection, table: Table, keys: Sequence[str], values: Sequence[Sequence[Any]]) -> None:
    """INSERT every row given as values in `keys` order, in one executemany (`insert_rows` without
    a dict per row: an import builds the tuples straight away)."""
    if values:
        insert_columns(connection, table, keys, list(zip(*values, strict=True)))


def insert_columns(connection: Connection, table: Table, keys: Sequence[str], columns: Sequence[Sequence[Any]]) -> None:
    """INSERT the rows given column by column (`columns[i]` holds every row's value of `keys[i]`),
    in one executemany: an import of 100,000 pins hands over 24 lists, not 100,000 tuples."""
    if len(columns) != len(keys):
        raise ValueError(f"{len(columns)} columns for {len(keys)} keys")
    n = len(columns[0]) if columns else 0
    if any(len(column) != n for column in columns):
        raise ValueError("columns of different lengths")
    if not n:
        return
    if not _fast(connection, table, keys):
        connection.execute(insert(table), [dict(zip(keys, value, strict=True)) for value in zip(*columns, strict=True)])
        return
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    names: list[str] = []
    slots: list[str] = []  # "?" or the SQL literal every row shares
    bound: list[Sequence[Any]] = []
    for key, column in zip(keys, columns, strict=True):
        process = _bind_processor(table.c[key].type, dialect)
        if process is not None:
            column = _processed(column, process)
        names.append(quote(key))
        literal = _shared_literal(column) if n > 1 else None
        slots.append("?" if literal is None else literal)
        if literal is None:
            bound.append(column)
    if not bound:  # not reached: rows of one import differ at least by uid
        slots, bound = ["?" for _ in keys], list(columns)
    # A value every row shares is written once into the statement: binding it for each row
    # (the driver looks up an adapter for every None, flag and number) was a third of the insert.
    into = f"{dialect.identifier_preparer.format_table(table)} ({', '.join(names)})"
    sql = f"INSERT INTO {into} VALUES ({', '.join(slots)})"
    rows = list(zip(*bound, strict=True))
    with _roomy_cache(connection, n):
        connection.exec_driver_sql(sql, rows)


@contextmanager
def _roomy_cache(connection: Connection, rows: int) -> Iterator[None]:
    """SQLite's page cache large enough for the batch while it is inserted (about 1 KiB a row, at
    most 256 MiB), the connection's own size restored after. With the default 2 MiB the new rows'
    index pages are written out to the log and read back many times: a fifth of the insert."""
    old = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    wanted = min(rows, _CACHE_KIB_MAX)
    if not isinstance(old, int) or (old < 0 and -old >= wanted):
        yield
        return
    connection.exec_driver_sql(f"PRAGMA cache_size = -{wanted}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {old}")


_CACHE_KIB_MAX = 256 * 1024


def _shared_literal(column: Sequence[Any]) -> str | None:
    """The SQL literal of the one value every row has, when it is NULL, a 64-bit integer or a
    printable text (stored exactly as the bound value would be), else None."""
    first = column[0]
    if first is None:
        return "NULL" if column.count(None) == len(column) else None
    kind = type(first)
    if kind is int:
        if not -(2**63) <= first < 2**63:
            return None
        literal = str(first)
    elif kind is str and first.isprintable():
        literal = "'" + first.replace("'", "''") + "'"
    else:
        return None
    # count() also counts equal values of other types (True == 1): each must be of the same type.
    if column.count(first) != len(column) or set(map(type, column)) != {kind}:
        return None
    return literal


def _bind_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column type's bind processor for the dialect, as Core asks it; on SQLite, a datetime
    column storing an aware UTC time as Core does gets the same text without Core's two layers
    (an import's due times are all distinct: 100,000 calls)."""
    process: Callable[[Any], Any] | None = type_.dialect_impl(dialect).bind_processor(dialect)
    is_datetime = isinstance(type_, DateTime) or isinstance(getattr(type_, "impl_instance", None), DateTime)
    if process is None or dialect.name != "sqlite" or not is_datetime or process(_PROBE) != _stamp(_PROBE):
        return process
    return _Stamped(process)


def _stamp(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime layout ("%04d-%02d-%02d %02d:%02d:%02d.%06d" of the UTC time).
    return value.isoformat(" ", "microseconds")[:-6]


class _Stamped:
    """A datetime column's bind processor on SQLite: an aware UTC time gets `_stamp`'s text, any
    other value goes through SQLAlchemy's own processor (`slow`)."""

    __slots__ = ("slow",)

    def __init__(self, slow: Callable[[Any], Any]) -> None:
        self.slow = slow

    def __call__(self, value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is UTC:
            return _stamp(value)
        return self.slow(value)

    def column(self, values: Sequence[Any]) -> list[Any]:
        """Each value processed, the aware UTC ones put together from the text of their day and
        of their time of day, each worked out once: an aware datetime's `isoformat` costs more
        than the rest of the insert's processing (an import's due times are on a few thousand
        days, at whole seconds of a few posting windows)."""
        days: dict[int, str] = {}
        clock: dict[int, str] = {}  # second of the day -> "HH:MM:SS.000000"
        out: list[Any] = []
        add = out.append
        for value in values:
            if type(value) is not datetime or value.tzinfo is not UTC:
                add(self(value))
                continue
            since = value - _EPOCH
            day = days.get(since.days)
            if day is None:
                day = days[since.days] = value.date().isoformat() + " "
            if since.microseconds:
                add(day + value.time().isoformat("microseconds"))
                continue
            at = clock.get(since.seconds)
            if at is None:
                at = clock[since.seconds] = value.time().isoformat("microseconds")
            add(day + at)
        return out


_PROBE = datetime(2026, 1, 5, 9, 0, 0, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _fast(connection: Connection, table: Table, keys: Sequence[str]) -> bool:
    """Whether the rows may go to the driver as tuples (SQLite, no column default left to Core)."""
    dialect = connection.dialect
    unset_default = any(
        c.default is not None or c.server_default is not None for c in table.columns if c.name not in keys
    )
    return dialect.name == "sqlite" and dialect.paramstyle == "qmark" and not unset_default and len(keys) >= 2


def _processed(column: Sequence[Any], process: Callable[[Any], Any]) -> Sequence[Any]:
    """One column's values through its bind processor. An import's rows share their creation time,
    status and flags: each distinct value is processed once (a processor's answer depends on the
    value alone; equal aware datetimes are the same instant, stored alike)."""
    first = column[0]
    if column.count(first) == len(column):  # one value in every row (its creation time, a status)
        return [process(first)] * len(column)
    if type(first) is datetime:  # due times: each distinct, so a memo would only add lookups
        if isinstance(process, _Stamped):
            return process.column(column)
        return list(map(process, column))
    try:
        memo = {raw: process(raw) for raw in set(column)}
    except TypeError:  # an unhashable value
        return [process(raw) for raw in column]
    return list(map(memo.__getitem__, column))
