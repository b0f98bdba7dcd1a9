"""Many new rows into one table in one executemany, the cheapest way the driver allows.

SQLAlchemy Core's executemany builds a parameter dict per row and runs every value through its
type's bind processor one call at a time: for an import of 100,000 pins that is seconds. On SQLite
the rows go to the driver as plain tuples instead, each value through the bind processor of the
column type's implementation for the dialect (asked of SQLAlchemy, as Core asks it), so the stored
values are the ones Core would store. Other databases, and rows that would leave a column with a default unset
(Core fills it in), take the Core path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, insert


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
    if not values:
        return
    if not _fast(connection, table, keys):
        connection.execute(insert(table), [dict(zip(keys, value, strict=True)) for value in values])
        return
    dialect = connection.dialect
    columns: list[Sequence[Any]] | None = None
    for i, key in enumerate(keys):
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            continue
        if columns is None:
            columns = list(zip(*values, strict=True))
        columns[i] = _processed(columns[i], process)
    rows = values if columns is None else list(zip(*columns, strict=True))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(k) for k in keys)}) "
        f"VALUES ({', '.join('?' for _ in keys)})"
    )
    connection.exec_driver_sql(sql, rows)


def _fast(connection: Connection, table: Table, keys: Sequence[str]) -> bool:
    """Whether the rows may go to the driver as tuples (SQLite, no column default left to Core)."""
    dialect = connection.dialect
    unset_default = any(
        c.default is not None or c.server_default is not None for c in table.columns if c.name not in keys
    )
    return dialect.name == "sqlite" and dialect.paramstyle == "qmark" and not unset_default and len(keys) >= 2


def _processed(column: Sequence[Any], process: Callable[[Any], Any]) -> list[Any]:
    """One column's values through its bind processor. An import's rows share their creation time,
    status and flags: each distinct value is processed once (a processor's answer depends on the
    value alone; equal aware datetimes are the same instant, stored alike)."""
    try:
        memo = {raw: process(raw) for raw in set(column)}
    except TypeError:  # an unhashable value
        return [process(raw) for raw in column]
    return list(map(memo.__getitem__, column))
