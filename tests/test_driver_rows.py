"""The hot path's own value conversions (pinbot.store.driver) give what SQLAlchemy gives: datetimes
bound as SQLite stores them, and rows read into the values the ORM would load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import TypeDecorator

from pinbot.store.driver import Rows, _bind_sqlite, _result_processor
from pinbot.store.tables import BOARD, PIN

SQLITE = sqlite.dialect()
PG = postgresql.psycopg.dialect()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 1, 5, 9, 0, 0, 7, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=2))),
        datetime(9, 1, 1, 1, 1, 1, 123456, tzinfo=UTC),  # SQLAlchemy writes four year digits
    ],
)
def test_sqlite_datetimes_are_bound_as_sqlalchemy_binds_them(when: datetime) -> None:
    bind = PIN.c.due_at.type.dialect_impl(SQLITE).bind_processor(SQLITE)
    assert _bind_sqlite({"at": when})["at"] == bind(when)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-01-05 09:00:00.000000",
        "2026-01-05 09:00:00.000001",
        "2026-01-05 09:00:00",
        "2026-01-05 09:00",
        "2026-01-05",
        "2026-01-05T09:00:00.5",
        "2026-01-05 09:00:00+02:00",
    ],
)
def test_sqlite_datetimes_read_as_sqlalchemy_reads_them(stored: str) -> None:
    ours = _result_processor(PIN.c.due_at.type.dialect_impl(SQLITE), SQLITE)
    theirs = PIN.c.due_at.type.dialect_impl(SQLITE).result_processor(SQLITE, None)
    assert ours is not None and theirs is not None
    mine, expected = ours(stored), theirs(stored)
    assert mine == expected and mine.tzinfo is expected.tzinfo is UTC


@pytest.mark.parametrize("dialect", [SQLITE, PG], ids=["sqlite", "postgresql"])
def test_a_row_reads_into_the_values_sqlalchemy_gives(dialect: object) -> None:
    for table in (PIN, BOARD):
        columns = list(table.c)
        driver_row = []
        for c in columns:  # a value of each column's kind as the driver returns it; the nullable rest NULL
            kind = c.type.python_type
            if isinstance(c.type, TypeDecorator) and isinstance(c.type.impl_instance, DateTime):
                driver_row.append(
                    "2026-03-01 10:20:30.000040"
                    if dialect is SQLITE
                    else datetime(2026, 3, 1, 11, 20, 30, 40, tzinfo=timezone(timedelta(hours=1)))
                )
            elif c.name == "status":
                driver_row.append("posting")
            elif kind is bool:
                driver_row.append(1 if dialect is SQLITE else True)
            elif kind is int:
                driver_row.append(7)
            elif c.nullable:
                driver_row.append(None)
            else:
                driver_row.append("x")
        read = Rows(columns)._build(dialect)  # type: ignore[arg-type]
        expected = {}
        for c, value in zip(columns, driver_row, strict=True):
            process = c.type.dialect_impl(dialect).result_processor(dialect, None)  # type: ignore[arg-type]
            expected[c.key] = process(value) if process else value
        got = read(driver_row)
        assert got == expected
        assert all(type(got[k]) is type(v) for k, v in expected.items())
        if table is PIN:
            assert got["due_at"] == datetime(2026, 3, 1, 10, 20, 30, 40, tzinfo=UTC) and got["status"].name == "posting"
        with pytest.raises(ValueError):
            read(driver_row[:-1])
