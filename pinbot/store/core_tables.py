"""The account, board and pin tables in SQLAlchemy Core alone, for the read paths that must start
fast (`pinbot queue list`): defining them costs a millisecond, where importing the SQLModel models
costs sqlmodel, pydantic and the ORM, half a second of every command's start-up.

They describe the same tables as `pinbot.store.models`, column for column (names, SQL types,
nullability, keys); tests/test_core_tables.py compares the two, so they cannot drift apart. They
hold no constraints or foreign keys: nothing creates a table from them (the migrations do).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Engine, Integer, Interval, MetaData, String, Table, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.types import TypeDecorator, TypeEngine

from pinbot.store.engine import read_connection
from pinbot.store.status import PinStatus


class UTCDateTime(TypeDecorator[datetime]):
    """sqlmodel's UTCDateTime (the models' type for every datetime) without importing sqlmodel:
    aware datetimes in, UTC datetimes out (SQLite stores UTC without an offset)."""

    impl = DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> TypeEngine[Any]:
        return Interval() if isinstance(value, timedelta) else self

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError("datetime values must have timezone information")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


metadata = MetaData()


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _text(name: str, length: int | None = None, *, nullable: bool = True) -> Column[str]:
    return Column(name, String(length), nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> Column[int]:
    return Column(name, Integer, nullable=nullable)


def _time(name: str, *, nullable: bool = True) -> Column[datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


ACCOUNT = Table(
    "account",
    metadata,
    _id(),
    _text("name", 100, nullable=False),
    _text("pinterest_user_id"),
    _text("username"),
    _time("created_at", nullable=False),
)

BOARD = Table(
    "board",
    metadata,
    _id(),
    _int("account_id"),
    _text("key", 100, nullable=False),
    _text("name", 180, nullable=False),
    _text("description", nullable=False),
    _text("privacy", nullable=False),
    _text("pinterest_board_id"),
    _time("synced_at"),
    _time("created_at", nullable=False),
)

PIN = Table(
    "pin",
    metadata,
    _id(),
    _text("uid", 32, nullable=False),
    _int("account_id"),
    _int("product_id", nullable=True),
    _int("board_id"),
    _text("source_key", 300),
    _text("template", 100),
    _text("variant_key", 100),
    _int("experiment_variant_id", nullable=True),
    _int("loop_id", nullable=True),
    _text("title", 100, nullable=False),
    _text("description", 800, nullable=False),
    _text("link", 2048, nullable=False),
    _text("alt_text", 500, nullable=False),
    _text("image_path"),
    _text("image_hash", 40),
    _text("headline", 100),
    _text("badge", 24),
    _text("rendered_path"),
    Column("status", SAEnum(PinStatus, native_enum=False, length=20), nullable=False),
    _time("due_at", nullable=False),
    Column("explicit_time", Boolean, nullable=False),
    _int("attempts"),
    _text("attempt_id", 32),
    _text("claimed_by", 200),
    _time("claimed_at"),
    _int("reconcile_checks"),
    _text("pinterest_pin_id", 50),
    _time("posted_at"),
    _time("metrics_fetched_at"),
    _text("last_error"),
    _time("created_at", nullable=False),
    _time("updated_at", nullable=False),
)


def account_id(engine: Engine, name: str) -> int | None:
    """The id of the account called `name`; None when it has no row yet (it has nothing queued)."""
    with read_connection(engine) as conn:
        found = conn.execute(select(ACCOUNT.c.id).where(ACCOUNT.c.name == name)).scalar()
    return int(found) if found is not None else None
