"""The Core tables of the fast read path (`pinbot.store.core_tables`) describe the same tables as
the SQLModel models, column for column, so that the two cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, MetaData, String, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.sql.sqltypes import UTCDateTime as SQLModelUTCDateTime

from pinbot.store import core_tables
from pinbot.store.models import Account, Board, Pin

PAIRS = [(core_tables.ACCOUNT, Account), (core_tables.BOARD, Board), (core_tables.PIN, Pin)]


def describe(table: Table) -> list[tuple[object, ...]]:
    """Each column as the database and a reader see it: name, SQL type on SQLite and PostgreSQL,
    nullability, primary key, and the Python type the rows come back as."""
    out = []
    for column in table.columns:
        kind = column.type
        out.append(
            (
                column.name,
                kind.compile(dialect=sqlite.dialect()),
                kind.compile(dialect=postgresql.dialect()),
                column.nullable,
                column.primary_key,
                getattr(kind, "enum_class", None),
                type(getattr(kind, "impl", kind)).__name__,  # a TypeDecorator: the type it stores as
            )
        )
    return out


@pytest.mark.parametrize(("core", "model"), PAIRS, ids=[t.name for t, _ in PAIRS])
def test_core_table_matches_the_model(core: Table, model: type) -> None:
    assert core.name == model.__tablename__  # type: ignore[attr-defined]
    assert describe(core) == describe(model.__table__)  # type: ignore[attr-defined]


def test_every_datetime_reads_and_writes_as_the_models_do() -> None:
    ours, theirs = core_tables.UTCDateTime(), SQLModelUTCDateTime()
    dialect = sqlite.dialect()
    naive = datetime(2026, 3, 29, 1, 30)
    aware = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    for value in (None, naive, aware):
        assert ours.process_result_value(value, dialect) == theirs.process_result_value(value, dialect)
    assert ours.process_result_value(naive, dialect).tzinfo is UTC  # type: ignore[union-attr]
    assert ours.process_bind_param(aware, dialect) == theirs.process_bind_param(aware, dialect)
    for converter in (ours, theirs):
        with pytest.raises(ValueError):
            converter.process_bind_param(naive, dialect)


def test_describe_tells_tables_apart() -> None:
    """The comparison above can fail: a changed length, type or nullability shows."""
    assert describe(core_tables.PIN) != describe(core_tables.BOARD)
    columns = [
        Column(c.name, String(101) if c.name == "title" else c.type, nullable=c.nullable, primary_key=c.primary_key)
        for c in core_tables.PIN.columns
    ]
    assert describe(Table("pin", MetaData(), *columns)) != describe(core_tables.PIN)
