"""The database engine without the ORM: what every command needs before it reads a row.

Owns: engine creation (SQLite with WAL, synchronous=FULL, busy_timeout, foreign keys and
BEGIN IMMEDIATE on every write transaction; PostgreSQL through psycopg, a connection pinged when
it comes out of the pool after sitting idle), the bare read and write
connections, the schema revision check, and turning driver errors into one line. Imports SQLAlchemy
Core only (no sqlmodel, no pydantic, no alembic until a migration chain needs it), so that a command
that only reads, such as `pinbot queue list`, starts in about the time SQLAlchemy takes to import.
The ORM sessions and the migrations are in `pinbot.store.db`.
"""

from __future__ import annotations

import re
import sqlite3
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError

from pinbot.config import mask_url
from pinbot.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY_OPTION = "pinbot_read_only"
_readers: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
PING_AFTER_IDLE_SECONDS = 5.0
_LAST_USED = "pinbot_last_used"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine whose every pooled connection is configured for safe concurrent use."""
    try:
        return _make_engine(url, echo=echo)
    except (ValueError, ArgumentError) as exc:
        # SQLAlchemy's own message may quote a piece of the password: say only what to fix.
        hint = "a password with @, :, / or ? must be percent-encoded (%40, %3A, %2F, %3F)"
        if isinstance(exc, ArgumentError) and "plugin" in str(exc).lower():
            hint = "use sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/dbname"
        raise DatabaseError(f"database: PINBOT_DATABASE_URL is not a valid URL ({mask_url(url)}); {hint}") from None


def _make_engine(url: str, *, echo: bool) -> Engine:
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
    engine = create_engine(url, echo=echo)

    # A check-out pings the server only when the connection sat in the pool a while (a server
    # restart, an idle timeout): pool_pre_ping's round trip on every check-out was a third of the
    # client CPU of a claim, and a connection used moments ago is alive. A failed ping makes the
    # pool throw the connection away and open a new one.
    @event.listens_for(engine, "connect")
    def _opened(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _used(_dbapi_conn: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_LAST_USED, 0.0) < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"ping failed: {type(exc).__name__}") from exc

    return engine


def reader(engine: Engine) -> Engine:
    """The engine's read-only twin: a deferred BEGIN on SQLite (no write lock is taken)."""
    reader = _readers.get(engine)
    if reader is None:
        reader = _readers[engine] = engine.execution_options(**{READ_ONLY_OPTION: True})
    return reader


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """`read_scope` without the ORM session, for the hot reads (a service tick, a long listing)."""
    try:
        with reader(engine).connect() as conn:
            yield conn  # closing returns it to the pool, which ends the read transaction
    except OperationalError as exc:
        raise DatabaseError(describe_db_error(exc)) from None


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A bare connection in one transaction, for the hot queries (no ORM session overhead)."""
    try:
        with engine.begin() as conn:
            yield conn
    except SADatabaseError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None


def is_trouble(exc: BaseException) -> bool:
    """A database problem the owner fixes (server down, file damaged, disk full), as opposed to a
    constraint or a bug in a query, which callers handle or which must stay loud."""
    return isinstance(exc, OperationalError) or type(exc) is SADatabaseError


def describe_db_error(exc: BaseException) -> str:
    """One line that says what is wrong and what to do; never SQL text, never a password."""
    text = str(getattr(exc, "orig", None) or exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    raw = " ".join(lines)
    low = raw.lower()
    if "database or disk is full" in low or "no space left" in low:
        return "database: the disk is full; nothing was written. Free space and run the command again."
    if "disk i/o error" in low:
        return (
            "database: the disk reported an I/O error (full, failing or removed?); nothing was written. "
            "Check free space and the disk, then run the command again."
        )
    if "file is not a database" in low or "malformed" in low:
        return (
            "database: the SQLite file is damaged or is not a pinbot database; restore it from a backup "
            "or point PINBOT_DATABASE_URL at another file."
        )
    if "readonly" in low or "read-only" in low:
        return "database: the file or disk is read-only; nothing was written. Check permissions and mounts."
    if "locked" in low:
        return "database: locked by another process for too long; try again."
    if "unable to open" in low:
        return "database: cannot open the file; check PINBOT_DATABASE_URL and folder permissions."
    if "does not exist" in low and "database" in low:
        return (
            "database: the PostgreSQL server is up but the database in PINBOT_DATABASE_URL does not exist; "
            "create it (createdb NAME) or fix the URL."
        )
    if "password authentication failed" in low or "authentication failed" in low:
        return "database: PostgreSQL refused the user name or password in PINBOT_DATABASE_URL."
    if any(k in low for k in ("connection refused", "could not connect", "connection failed", "timeout expired")):
        return "database: server unreachable; check PINBOT_DATABASE_URL and that PostgreSQL is running."
    first = lines[0] if lines else type(exc).__name__
    first = first.split("[SQL:", 1)[0].strip()
    return f"database: {first[:300]}"


def alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(current revision of the database, newest revision this code knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    except SADatabaseError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None
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
    """The schema revision the database is at (None: not a pinbot database), read without alembic.
    A damaged file, a full disk or an unreachable server is one DatabaseError line."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except SADatabaseError as exc:
        if not is_trouble(exc):
            raise
        raise DatabaseError(describe_db_error(exc)) from None


def require_current_schema(engine: Engine, current: str | None = None) -> None:
    """Raise a one-line DatabaseError unless the schema is at the newest revision (`current`: the
    revision the caller has just read, so as not to ask the database twice)."""
    head = _head_from_files()
    if head:
        current = current if current is not None else current_revision(engine)
    else:
        current, head = schema_revisions(engine)
    if current is None:
        raise DatabaseError("database: not initialised; run `pinbot init`.")
    if current != head:
        raise DatabaseError(f"database: schema is at {current}, this pinbot needs {head}; run `pinbot init`.")
