"""The claim: which pins are due, claiming one, and recording an attempt's outcome by attempt id.

The one claim path of pinbot (docs/posting-exactly-once.md). A claim is one committed transaction
that moves a due `queued` pin to `posting` with a fresh attempt id and writes its `PostAttempt` row,
so a crash afterwards leaves a row for reconcile, never a pin two workers both think is theirs
(PostgreSQL skips a row another worker holds: FOR UPDATE SKIP LOCKED). An outcome is recorded only
while the claim is still ours (same attempt id, still `posting`). Also the service's idle check
(`posting_outlook`: what stops posting and when the next pin is due, one statement). These are the
hot path of the service: fixed statements run through the driver (`pinbot.store.driver`), one pool
check-out for a whole post when the caller passes its connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col

from pinbot.clock import as_utc
from pinbot.pinterest.errors import PinterestError
from pinbot.store.db import detached, session_scope
from pinbot.store.driver import HotConnection, Rows, Sql, ensure
from pinbot.store.models import Board, Pin, PinStatus, new_uid
from pinbot.store.state import GATE_COLUMNS, PostingGate, gate_from_values
from pinbot.store.tables import BOARD, PIN


@dataclass
class AttemptError:
    """What one attempt's failure was, as recorded on its PostAttempt row."""

    status: int | None = None
    code: int | None = None
    request_id: str | None = None
    message: str = ""

    @classmethod
    def of(cls, exc: BaseException) -> AttemptError:
        if isinstance(exc, PinterestError):
            return cls(exc.status, exc.code, exc.request_id, str(exc))
        return cls(message=f"{type(exc).__name__}: {exc}")


_ATTEMPT_OUTCOME = ("finished_at", "outcome", "http_status", "error_code", "request_id", "message")
Db = Engine | HotConnection  # an engine (one pool check-out per call) or a caller's checked-out connection


def due_pins(db: Db, account_id: int, now: datetime, limit: int = 5, start: int = 0) -> Iterator[tuple[Pin, Board]]:
    """The next due `queued` pins with their boards, oldest first from the `start`-th and round to
    the oldest (a read; nothing is claimed). Rows become model objects only as the caller reaches
    them: the poster usually needs one."""
    with ensure(db) as conn:
        rows = conn.rows(_DUE, {"account": account_id, "now": as_utc(now), "limit": limit})
        read_pin, read_board = _PIN_ROW.reader(conn), _BOARD_ROW.reader(conn)
    start = start % len(rows) if rows else 0
    for row in rows[start:] + rows[:start]:
        yield detached(Pin, read_pin(row[:_PIN_WIDTH])), detached(Board, read_board(row[_PIN_WIDTH:]))


def claim_pin(db: Db, pin_id: int, now: datetime, worker_id: str, rendered: str | None) -> Pin | None:
    """Claim this one pin if it is still queued and due: one committed transaction that moves it to
    `posting` with a fresh attempt id and writes its `PostAttempt` row. None if another worker won.
    PostgreSQL skips a row another worker has locked (FOR UPDATE SKIP LOCKED) instead of waiting."""
    with ensure(db) as conn:
        params = conn.bind(
            {"pin": pin_id, "now": as_utc(now), "attempt": new_uid(), "worker": worker_id, "rendered": rendered}
        )
        if conn.dialect == "sqlite":
            with conn.transaction():
                row = conn.one(_CLAIM_SQLITE, params)
                if row is not None:
                    conn.count(_ATTEMPT_STARTED, params)
        else:  # one statement, so one atomic commit without BEGIN/COMMIT round trips
            row = conn.one(_CLAIM_PG, params)
        return None if row is None else detached(Pin, _PIN_ROW.reader(conn)(row))


def finish(
    db: Db,
    pin: Pin,
    now: datetime,
    *,
    outcome: str,
    status: PinStatus,
    error: AttemptError | None = None,
    pin_values: dict[str, Any] | None = None,
) -> bool:
    """Record an attempt's outcome and move its pin, in one transaction, only if the claim is
    still ours (`attempt_id` matches and the pin is `posting`). False when the claim was lost."""
    now = as_utc(now)
    err = error or AttemptError()
    values: dict[str, Any] = {"status": status, "updated_at": now, **(pin_values or {})}
    if status != PinStatus.posted:
        values.setdefault("last_error", err.message or None)
    raw = {
        "pin": pin.id,
        "attempt": pin.attempt_id,
        "a_finished_at": now,
        "a_outcome": outcome,
        "a_http_status": err.status,
        "a_error_code": err.code,
        "a_request_id": err.request_id,
        "a_message": err.message or None,
        **{f"p_{k}": v for k, v in values.items()},
    }
    keys = tuple(sorted(values))
    with ensure(db) as conn:
        params = conn.bind(raw)
        if conn.dialect == "sqlite":
            with conn.transaction():
                owned = conn.count(_finish_statement(keys, cte=False), params) == 1
                conn.count(_ATTEMPT_FINISHED, params)
        else:  # both updates in one statement: one atomic commit, one round trip
            owned = conn.one(_finish_statement(keys, cte=True), params)[0] == 1
    return bool(owned)


def posting_outlook(db: Db, account_id: int) -> tuple[PostingGate, datetime | None]:
    """What an idle tick of the service must notice, in one statement: everything that can stop
    posting (pause, spam block, hold) and when the next queued pin is due (None: nothing queued)."""
    with ensure(db) as conn:
        next_due, *gate = conn.one(_OUTLOOK, {"account": account_id})
        due = _NEXT_DUE.reader(conn)((next_due,))["due_at"]
    return gate_from_values(*gate), due


# The hot path's statements, written out once and run through the driver (`pinbot.store.driver`
# says why). They are the SQL SQLAlchemy rendered for the claim path before (docs/posting-exactly-once.md).
_PIN_COLUMNS = list(PIN.c)
_PIN_WIDTH = len(_PIN_COLUMNS)
_PIN_LIST = ", ".join(c.name for c in _PIN_COLUMNS)
_PIN_ROW = Rows(_PIN_COLUMNS)
_BOARD_ROW = Rows(list(BOARD.c))
_NEXT_DUE = Rows([PIN.c.due_at])
_DUE = Sql(
    f"SELECT {', '.join('pin.' + c.name for c in _PIN_COLUMNS)}, {', '.join('board.' + c.name for c in BOARD.c)} "
    "FROM pin JOIN board ON board.id = pin.board_id "
    "WHERE pin.account_id = :account AND pin.status = 'queued' AND pin.due_at <= :now "
    "ORDER BY pin.due_at, pin.id LIMIT :limit"
)
# None keeps the path a previous attempt rendered
_CLAIM_SET = (
    "SET status = 'posting', attempt_id = :attempt, claimed_by = :worker, claimed_at = :now, "
    "attempts = attempts + 1, updated_at = :now, rendered_path = coalesce(:rendered, rendered_path)"
)
_CLAIM_SQLITE = Sql(
    f"UPDATE pin {_CLAIM_SET} WHERE id = :pin AND status = 'queued' AND due_at <= :now RETURNING {_PIN_LIST}"
)
_ATTEMPT_STARTED = Sql(
    "INSERT INTO postattempt (pin_id, attempt_id, worker_id, started_at) VALUES (:pin, :attempt, :worker, :now)"
)
# The claim and its attempt row in one statement: the insert runs only when the update claimed the pin.
_CLAIM_PG = Sql(
    f"WITH claimed AS (UPDATE pin {_CLAIM_SET} WHERE id = (SELECT id FROM pin WHERE id = :pin "
    "AND status = 'queued' AND due_at <= :now FOR UPDATE SKIP LOCKED) "
    f"RETURNING {_PIN_LIST}), started AS (INSERT INTO postattempt (pin_id, attempt_id, worker_id, started_at) "
    "SELECT id, :attempt, :worker, :now FROM claimed) "
    f"SELECT {_PIN_LIST} FROM claimed"
)
_ATTEMPT_SET = ", ".join(f"{k} = :a_{k}" for k in _ATTEMPT_OUTCOME)
_ATTEMPT_FINISHED = Sql(f"UPDATE postattempt SET {_ATTEMPT_SET} WHERE attempt_id = :attempt AND pin_id = :pin")
_OUTLOOK = Sql(
    "SELECT (SELECT due_at FROM pin WHERE account_id = :account AND status = 'queued' "
    f"ORDER BY due_at LIMIT 1), {GATE_COLUMNS}"
)
_finishes: dict[tuple[tuple[str, ...], bool], Sql] = {}


def _finish_statement(keys: tuple[str, ...], *, cte: bool) -> Sql:
    stmt = _finishes.get((keys, cte))
    if stmt is None:
        unknown = [k for k in keys if k not in PIN.c]
        if unknown:
            raise KeyError(f"pin has no column {unknown}")
        update = (
            f"UPDATE pin SET {', '.join(f'{k} = :p_{k}' for k in keys)} "
            "WHERE id = :pin AND attempt_id = :attempt AND status = 'posting'"
        )
        if cte:
            update = (
                f"WITH ours AS ({update} RETURNING id), recorded AS "
                f"(UPDATE postattempt SET {_ATTEMPT_SET} WHERE attempt_id = :attempt AND pin_id = :pin) "
                "SELECT count(*) FROM ours"
            )
        stmt = _finishes[(keys, cte)] = Sql(update)
    return stmt


def fail_unclaimed(engine: Engine, pin_id: int, now: datetime, message: str, *, status: PinStatus) -> None:
    """Move a queued pin that was never claimed (bad image, lint) to `status`."""
    stmt = (
        update(Pin)
        .where(col(Pin.id) == pin_id, col(Pin.status) == PinStatus.queued)
        .values(status=status, last_error=message, updated_at=as_utc(now))
    )
    with session_scope(engine) as session:
        session.execute(stmt)


def defer(engine: Engine, pin_id: int, due_at: datetime, message: str, now: datetime) -> None:
    stmt = (
        update(Pin)
        .where(col(Pin.id) == pin_id, col(Pin.status) == PinStatus.queued)
        .values(due_at=as_utc(due_at), last_error=message, updated_at=as_utc(now))
    )
    with session_scope(engine) as session:
        session.execute(stmt)
