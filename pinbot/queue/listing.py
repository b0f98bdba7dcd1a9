"""The owner's view of the queue, read with SQLAlchemy Core alone: the listing soonest first, its
count, and what to do about a pin that needs the owner.

`pinbot queue list` runs on this module and `pinbot.store.core_tables` only (no sqlmodel, no ORM,
no posting rules), so that it answers in about the time SQLAlchemy takes to import, and reads its
rows as they are printed: 100,000 queued pins build no objects and hold no list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Engine, Row, and_, func, or_, select

from pinbot.clock import as_utc
from pinbot.store.core_tables import BOARD, PIN
from pinbot.store.engine import read_connection
from pinbot.store.status import PinStatus

if TYPE_CHECKING:
    from pinbot.store.models import Pin

# A queued pin this far past its time is stuck: the service is not running, or posting is stopped.
OVERDUE = timedelta(hours=2)


def pin_fix(pin: Pin | Row[Any], now: datetime | None = None) -> str:
    """What the owner should do about this pin; "" when nothing."""
    if pin.status == PinStatus.failed:
        if (getattr(pin, "last_error", None) or "").endswith(": file not found"):
            # The photo was moved or deleted after it was queued (a tidied Downloads folder): the pin
            # keeps its photo's path, so another photo on the product does not reach it.
            return (
                f"put the photo back where it was, then `pinbot queue retry {pin.id}`; or `pinbot queue cancel "
                f"{pin.id}` and queue it again with a photo you keep (`--image PATH`)"
            )
        return f"fix what the error says, then `pinbot queue retry {pin.id}` (or `pinbot queue cancel {pin.id}`)"
    if pin.status == PinStatus.needs_attention:
        return (
            f"look for it on your Pinterest board: if it is there, `pinbot queue cancel {pin.id}`; "
            f"if not, `pinbot queue retry {pin.id}`"
        )
    if pin.status == PinStatus.queued and now is not None and as_utc(pin.due_at) < as_utc(now) - OVERDUE:
        return "overdue: is `pinbot run` on and not paused? (`pinbot doctor`)"
    return ""


def needs_owner(now: datetime) -> ColumnElement[bool]:
    """The SQL form of "pin_fix(pin, now) is not empty", for listings that filter in the query."""
    return or_(
        PIN.c.status.in_([PinStatus.failed, PinStatus.needs_attention]),
        and_(PIN.c.status == PinStatus.queued, PIN.c.due_at < as_utc(now) - OVERDUE),
    )


def _filter(
    account_id: int, status: PinStatus | None, board: str | None, where: ColumnElement[bool] | None
) -> tuple[ColumnElement[bool], ...]:
    clauses = [PIN.c.account_id == account_id]
    if status is not None:
        clauses.append(PIN.c.status == status)
    if board is not None:
        clauses.append(BOARD.c.key == board)
    if where is not None:
        clauses.append(where)
    return tuple(clauses)


def listing(
    engine: Engine,
    account_id: int,
    status: PinStatus | None = None,
    board: str | None = None,
    limit: int | None = None,
    where: ColumnElement[bool] | None = None,
) -> Iterator[Row[Any]]:
    """Pins soonest first as plain rows (every pin column, and `board_key`), read as they are
    iterated. `board` is a board key the caller has checked."""
    stmt = (
        select(PIN, BOARD.c.key.label("board_key"))
        .join(BOARD, BOARD.c.id == PIN.c.board_id)
        .where(*_filter(account_id, status, board, where))
        .order_by(PIN.c.due_at, PIN.c.id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with read_connection(engine) as conn:
        # Streamed: the driver hands rows over as they are read, never the whole result at once.
        yield from conn.execution_options(yield_per=1000).execute(stmt)


def listing_count(
    engine: Engine,
    account_id: int,
    status: PinStatus | None = None,
    board: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> int:
    """How many pins `listing` would yield without a limit."""
    stmt = select(func.count()).select_from(PIN)
    if board is not None:
        stmt = stmt.join(BOARD, BOARD.c.id == PIN.c.board_id)
    stmt = stmt.where(*_filter(account_id, status, board, where))
    with read_connection(engine) as conn:
        return int(conn.execute(stmt).scalar_one())
