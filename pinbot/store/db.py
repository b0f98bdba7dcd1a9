"""Database transactions and schema migrations.

Owns: the ORM write and read scopes every module uses and running the alembic migrations. The
engine itself (SQLite pragmas, BEGIN IMMEDIATE, PostgreSQL), the bare connections, the schema
revision check and the one-line driver errors are in `pinbot.store.engine` (SQLAlchemy Core only,
so that a read-only command starts fast); their names are re-exported here. The claim of a pin
and the recording of its outcome by attempt id belong to the poster (`pinbot.posting.claim`, see
docs/posting-exactly-once.md): there is one claim path.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapper, configure_mappers
from sqlalchemy.orm.attributes import instance_state
from sqlmodel import Session, SQLModel, select

from pinbot.errors import DatabaseError
from pinbot.store.engine import (
    MIGRATIONS_DIR,
    READ_ONLY_OPTION,
    SQLITE_BUSY_TIMEOUT_MS,
    alembic_config,
    current_revision,
    describe_db_error,
    is_trouble,
    make_engine,
    read_connection,
    reader,
    require_current_schema,
    schema_revisions,
    write_connection,
)
from pinbot.store.models import Account

log = logging.getLogger(__name__)

__all__ = [  # the engine's names, where callers have always found them
    "MIGRATIONS_DIR",
    "READ_ONLY_OPTION",
    "SQLITE_BUSY_TIMEOUT_MS",
    "current_revision",
    "describe_db_error",
    "detached",
    "get_or_create_account",
    "is_trouble",
    "make_engine",
    "migrate",
    "read_connection",
    "read_scope",
    "require_current_schema",
    "schema_revisions",
    "session_scope",
    "write_connection",
]

MIGRATION_LOCK_KEY = 0x70696E62  # "pinb": the advisory lock every `pinbot init` takes on PostgreSQL
_mappers: dict[type, Mapper[Any]] = {}
_primary_keys: dict[type, tuple[str, ...]] = {}  # the column keys of each model's primary key


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on error, translate driver errors."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except (OperationalError, SADatabaseError) as exc:
        session.rollback()
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads (on SQLite a deferred BEGIN: no write lock is taken)."""
    session = Session(reader(engine), expire_on_commit=False)
    try:
        yield session
    except SADatabaseError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None
    finally:
        # close(), not rollback(): the rows read stay loaded (detached); the pool ends the transaction.
        session.close()


M = TypeVar("M", bound=SQLModel)


def detached(model: type[M], values: Mapping[Any, Any]) -> M:
    """A model object from a Core row, as a session would have loaded and expunged it, for ~1/50 of
    the cost of `model(**values)` (no validation: the values come from the database)."""
    mapper = _mappers.get(model)
    if mapper is None:
        configure_mappers()  # the first call sets up the ORM mappings
        mapper = _mappers[model] = sa_inspect(model)
        _primary_keys[model] = tuple(str(c.key) for c in mapper.primary_key)
    obj: M = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    instance_state(obj).key = mapper.identity_key_from_primary_key(tuple([values[k] for k in _primary_keys[model]]))
    return obj


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent)."""
    from alembic import command

    _secure_sqlite_file(engine)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Several `pinbot init` at once (a deploy starting every worker): one migrates, the
                # others wait here and then find the schema current. SQLite's BEGIN IMMEDIATE
                # already serialises them.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            command.upgrade(alembic_config(conn), revision)
    except SADatabaseError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None


def _secure_sqlite_file(engine: Engine) -> None:
    # The database holds OAuth tokens, so it gets the same 0600 mode as a token file.
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)


def get_or_create_account(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name)).first()
    if account is None:
        try:
            with session.begin_nested():  # another process may create it at the same moment
                account = Account(name=name)
                session.add(account)
        except IntegrityError:
            account = session.exec(select(Account).where(Account.name == name)).one()
    return account
