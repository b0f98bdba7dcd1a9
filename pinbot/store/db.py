"""Database engine, transactions and schema migrations.

Owns: engine creation (SQLite with WAL, synchronous=FULL, busy_timeout, foreign keys and
BEGIN IMMEDIATE on every write transaction; PostgreSQL through psycopg), the write and read
scopes every module uses, running the alembic migrations, and turning driver errors into one
line. The claim of a pin and the recording of its outcome by attempt id belong to the poster
(`pinbot.posting.poster`, see docs/posting-exactly-once.md): there is one claim path.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event, inspect
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import configure_mappers
from sqlmodel import Session, SQLModel, create_engine, select

from pinbot.errors import DatabaseError
from pinbot.store.models import Account

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "pinbot_read_only"
_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine whose every pooled connection is configured for safe concurrent use."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            # Autocommit at the driver level so that our own BEGIN IMMEDIATE below is the only BEGIN.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # A deferred transaction that later writes fails at once with "database is locked"
            # and ignores busy_timeout; IMMEDIATE takes the write lock up front and waits for it.
            # Pure reads (read_scope) stay deferred so they never queue behind a writer.
            read_only = conn.get_execution_options().get(READ_ONLY_OPTION, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short transaction: commit on success, roll back on error, translate driver errors."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except OperationalError as exc:
        session.rollback()
        raise DatabaseError(describe_db_error(exc)) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads (on SQLite a deferred BEGIN: no write lock is taken)."""
    session = Session(_reader(engine), expire_on_commit=False)
    try:
        yield session
    except OperationalError as exc:
        raise DatabaseError(describe_db_error(exc)) from None
    finally:
        # close(), not rollback(): the rows read stay loaded (detached); the pool ends the transaction.
        session.close()


def _reader(engine: Engine) -> Engine:
    reader = _readers.get(engine)
    if reader is None:
        reader = _readers[engine] = engine.execution_options(**{READ_ONLY_OPTION: True})
    return reader


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """`read_scope` without the ORM session, for the hot reads (a service tick, a long listing)."""
    try:
        with _reader(engine).connect() as conn:
            yield conn  # closing returns it to the pool, which ends the read transaction
    except OperationalError as exc:
        raise DatabaseError(describe_db_error(exc)) from None


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A bare connection in one transaction, for the hot queries (no ORM session overhead)."""
    try:
        with engine.begin() as conn:
            yield conn
    except OperationalError as exc:
        raise DatabaseError(describe_db_error(exc)) from None


M = TypeVar("M", bound=SQLModel)


def detached(model: type[M], values: Mapping[Any, Any]) -> M:
    """A model object from a Core row, as a session would have loaded and expunged it, for ~1/50 of
    the cost of `model(**values)` (no validation: the values come from the database)."""
    configure_mappers()  # no-op once done; the first call sets up the ORM mappings
    mapper = sa_inspect(model)
    obj: M = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    state = sa_inspect(obj)
    state.key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    return obj


def describe_db_error(exc: SQLAlchemyError) -> str:
    raw = str(getattr(exc, "orig", exc)).splitlines()[0] if str(exc) else type(exc).__name__
    if "database or disk is full" in raw:
        return "database: the disk is full; nothing was written. Free space and run the command again."
    if "locked" in raw:
        return "database: locked by another process for too long; try again."
    if "unable to open" in raw:
        return "database: cannot open the file; check PINBOT_DATABASE_URL and folder permissions."
    if "Connection refused" in raw or "could not connect" in raw or "connection failed" in raw:
        return "database: server unreachable; check PINBOT_DATABASE_URL and that PostgreSQL is running."
    return f"database: {raw}"


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (idempotent)."""
    from alembic import command

    _secure_sqlite_file(engine)
    try:
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except OperationalError as exc:
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


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(current revision of the database, newest revision this code knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(conn)).get_current_head()
    return current, head or ""


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*=\s*(?:\"([^\"]*)\"|None)\s*$", re.MULTILINE)


def _head_from_files() -> str | None:
    """The newest revision, read from the migration files without importing alembic (half a second
    of every command's start-up); None when the files are not a plain chain (alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: not a pinbot database), read without alembic."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def require_current_schema(engine: Engine) -> None:
    try:
        head = _head_from_files()
        current, head = (current_revision(engine), head) if head else schema_revisions(engine)
    except OperationalError as exc:
        raise DatabaseError(describe_db_error(exc)) from None
    if current is None:
        raise DatabaseError("database: not initialised; run `pinbot init`.")
    if current != head:
        raise DatabaseError(f"database: schema is at {current}, this pinbot needs {head}; run `pinbot init`.")


def get_or_create_account(session: Session, name: str) -> Account:
    account = session.exec(select(Account).where(Account.name == name)).first()
    if account is None:
        account = Account(name=name)
        session.add(account)
        session.flush()
    return account
