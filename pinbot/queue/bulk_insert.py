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
    dialect = connection.dialect
    unset_default = any(
        c.default is not None or c.server_default is not None for c in table.columns if c.name not in keys
    )
    if dialect.name != "sqlite" or dialect.paramstyle != "qmark" or unset_default or len(keys) < 2:
        connection.execute(insert(table), rows)
        return
    processors: list[tuple[int, Callable[[Any], Any]]] = []
    for i, key in enumerate(keys):
        bind = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if bind is not None:
            processors.append((i, bind))
    get = itemgetter(*keys)
    # An import's rows share their creation time, status and flags: each distinct value is
    # processed once (a processor's answer depends on the value alone; equal aware datetimes are
    # the same instant, stored alike).
    memos: list[dict[Any, Any]] = [{} for _ in processors]
    values = []
    for row in rows:
        if len(row) != len(keys):
            raise ValueError(f"row with keys {sorted(row)}; expected {sorted(keys)}")
        value = list(get(row))
        for (i, process), memo in zip(processors, memos, strict=True):
            raw = value[i]
            try:
                done = memo.get(raw, _UNSET)
                if done is _UNSET:
                    done = memo[raw] = process(raw)
            except TypeError:  # an unhashable value
                done = process(raw)
            value[i] = done
        values.append(tuple(value))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(k) for k in keys)}) "
        f"VALUES ({', '.join('?' for _ in keys)})"
    )
    connection.exec_driver_sql(sql, values)


_UNSET = object()
