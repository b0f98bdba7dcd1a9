"""The claim: which pins are due, claiming one, and recording an attempt's outcome by attempt id.

The one claim path of pinbot (docs/posting-exactly-once.md). A claim is one committed transaction
that moves a due `queued` pin to `posting` with a fresh attempt id and writes its `PostAttempt` row,
so a crash afterwards leaves a row for reconcile, never a pin two workers both think is theirs
(PostgreSQL skips a row another worker holds: FOR UPDATE SKIP LOCKED). An outcome is recorded only
while the claim is still ours (same attempt id, still `posting`). The statements are built once:
this is the hot path of the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, update
from sqlalchemy import select as sa_select
from sqlmodel import col

from pinbot.clock import as_utc
from pinbot.pinterest.errors import PinterestError
from pinbot.store.db import detached, read_connection, session_scope, write_connection
from pinbot.store.models import Board, Pin, PinStatus, new_uid
from pinbot.store.tables import ATTEMPT, BOARD, PIN


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


def due_pins(engine: Engine, account_id: int, now: datetime, limit: int = 5) -> list[tuple[Pin, Board]]:
    """The next due `queued` pins with their boards, oldest first (a read; nothing is claimed)."""
    with read_connection(engine) as conn:
        rows = conn.execute(_DUE, {"p_account": account_id, "p_now": as_utc(now), "p_limit": limit})
        return [(detached(Pin, row._mapping), _board_of(row)) for row in rows]


def claim_pin(engine: Engine, pin_id: int, now: datetime, worker_id: str, rendered: str | None) -> Pin | None:
    """Claim this one pin if it is still queued and due: one committed transaction that moves it to
    `posting` with a fresh attempt id and writes its `PostAttempt` row. None if another worker won.
    PostgreSQL skips a row another worker has locked (FOR UPDATE SKIP LOCKED) instead of waiting."""
    now = as_utc(now)
    attempt_id = new_uid()
    params = {"p_pin": pin_id, "p_now": now, "p_attempt": attempt_id, "p_worker": worker_id, "p_rendered": rendered}
    with write_connection(engine) as conn:
        row = conn.execute(_claim_statement(engine.dialect.name), params).first()
        if row is None:
            return None
        conn.execute(_ATTEMPT_STARTED, params)
    return detached(Pin, row._mapping)


def finish(
    engine: Engine,
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
    ours = {"p_pin": pin.id, "p_attempt": pin.attempt_id}
    attempt = {
        **ours,
        "p_finished_at": now,
        "p_outcome": outcome,
        "p_http_status": err.status,
        "p_error_code": err.code,
        "p_request_id": err.request_id,
        "p_message": err.message or None,
    }
    changes = {f"p_{k}": v for k, v in values.items()}
    with write_connection(engine) as conn:
        owned = conn.execute(_finish_statement(tuple(sorted(values))), {**ours, **changes}).rowcount == 1
        conn.execute(_ATTEMPT_FINISHED, attempt)
    return bool(owned)


# The hot path's statements, built once: SQLAlchemy then reuses their compiled form, and no ORM
# session, unit of work or identity map runs per pin (they cost several times the SQL itself).
_BOARD_COLUMNS = [c.label(f"board__{c.key}") for c in BOARD.c]
_DUE = (
    sa_select(PIN, *_BOARD_COLUMNS)
    .join(BOARD, BOARD.c.id == PIN.c.board_id)
    .where(
        PIN.c.account_id == bindparam("p_account"),
        PIN.c.status == PinStatus.queued,
        PIN.c.due_at <= bindparam("p_now", type_=PIN.c.due_at.type),
    )
    .order_by(PIN.c.due_at, PIN.c.id)
    .limit(bindparam("p_limit"))
)
_ATTEMPT_STARTED = ATTEMPT.insert().values(
    pin_id=bindparam("p_pin"),
    attempt_id=bindparam("p_attempt"),
    worker_id=bindparam("p_worker"),
    started_at=bindparam("p_now", type_=ATTEMPT.c.started_at.type),
)
_ATTEMPT_FINISHED = (
    ATTEMPT.update()
    .where(ATTEMPT.c.attempt_id == bindparam("p_attempt"), ATTEMPT.c.pin_id == bindparam("p_pin"))
    .values({k: bindparam(f"p_{k}", type_=ATTEMPT.c[k].type) for k in _ATTEMPT_OUTCOME})
)
_TEXT = PIN.c.rendered_path.type
_claims: dict[str, Any] = {}
_finishes: dict[tuple[str, ...], Any] = {}


def _board_of(row: Any) -> Board:
    m = row._mapping
    return detached(Board, {c.key: m[f"board__{c.key}"] for c in BOARD.c})


def _claim_statement(dialect: str) -> Any:
    stmt = _claims.get(dialect)
    if stmt is None:
        target = sa_select(PIN.c.id).where(
            PIN.c.id == bindparam("p_pin"),
            PIN.c.status == PinStatus.queued,
            PIN.c.due_at <= bindparam("p_now", type_=PIN.c.due_at.type),
        )
        if dialect == "postgresql":
            target = target.with_for_update(skip_locked=True)
        stmt = _claims[dialect] = (
            PIN.update()
            .where(PIN.c.id == target.scalar_subquery())
            .values(
                status=PinStatus.posting,
                attempt_id=bindparam("p_attempt"),
                claimed_by=bindparam("p_worker"),
                claimed_at=bindparam("p_now", type_=PIN.c.claimed_at.type),
                attempts=PIN.c.attempts + 1,
                updated_at=bindparam("p_now", type_=PIN.c.updated_at.type),
                # None keeps the path a previous attempt rendered
                rendered_path=func.coalesce(
                    bindparam("p_rendered", type_=PIN.c.rendered_path.type), PIN.c.rendered_path
                ),
            )
            .returning(*PIN.c)
        )
    return stmt


def _finish_statement(keys: tuple[str, ...]) -> Any:
    stmt = _finishes.get(keys)
    if stmt is None:
        stmt = _finishes[keys] = (
            PIN.update()
            .where(
                PIN.c.id == bindparam("p_pin"),
                PIN.c.attempt_id == bindparam("p_attempt"),
                PIN.c.status == PinStatus.posting,
            )
            .values({k: bindparam(f"p_{k}", type_=PIN.c[k].type) for k in keys})
        )
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
