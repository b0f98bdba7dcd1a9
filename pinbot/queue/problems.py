"""Pins that need the owner: failed, needing attention, or overdue in the queue, each with what
to do about it in one line. `pinbot queue list` and `pinbot doctor` show them; the poster records
the reason in `Pin.last_error` when it gives up on a pin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, Row, and_, or_
from sqlmodel import col, select

from pinbot.clock import as_utc
from pinbot.store.db import read_scope
from pinbot.store.models import Pin, PinStatus
from pinbot.store.tables import PIN
from pinbot.words import plural

# A queued pin this far past its time is stuck: the service is not running, or posting is stopped.
OVERDUE = timedelta(hours=2)


def pin_fix(pin: Pin | Row[Any], now: datetime | None = None) -> str:
    """What the owner should do about this pin; "" when nothing."""
    if pin.status == PinStatus.failed:
        return f"fix what the error says, then `pinbot queue retry {pin.id}` (or `pinbot queue cancel {pin.id}`)"
    if pin.status == PinStatus.needs_attention:
        return (
            f"look for it on your Pinterest board: if it is there, `pinbot queue cancel {pin.id}`; "
            f"if not, `pinbot queue retry {pin.id}`"
        )
    if pin.status == PinStatus.queued and now is not None and as_utc(pin.due_at) < as_utc(now) - OVERDUE:
        return "overdue: is `pinbot run` running, and posting not paused? (`pinbot doctor`)"
    return ""


def needs_owner(now: datetime) -> ColumnElement[bool]:
    """The SQL form of "pin_fix(pin, now) is not empty", for listings that filter in the query."""
    return or_(
        PIN.c.status.in_([PinStatus.failed, PinStatus.needs_attention]),
        and_(PIN.c.status == PinStatus.queued, PIN.c.due_at < as_utc(now) - OVERDUE),
    )


@dataclass
class Problems:
    failed: list[Pin] = field(default_factory=list)
    needs_attention: list[Pin] = field(default_factory=list)
    overdue: list[Pin] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.failed) + len(self.needs_attention) + len(self.overdue)

    def summary(self) -> str:
        parts = []
        if self.failed:
            parts.append(f"{plural(len(self.failed), 'pin')} failed")
        if self.needs_attention:
            n = len(self.needs_attention)
            parts.append(f"{plural(n, 'pin')} need{'s' if n == 1 else ''} attention")
        if self.overdue:
            parts.append(f"{plural(len(self.overdue), 'queued pin')} overdue")
        return ", ".join(parts)

    def first(self) -> Pin | None:
        for group in (self.failed, self.needs_attention, self.overdue):
            if group:
                return group[0]
        return None


def find_problems(engine: Engine, account_id: int, now: datetime, limit: int = 50) -> Problems:
    """Failed and needs-attention pins (newest first), and queued pins overdue by OVERDUE."""
    out = Problems()
    with read_scope(engine) as session:
        stuck = session.exec(
            select(Pin)
            .where(Pin.account_id == account_id, col(Pin.status).in_([PinStatus.failed, PinStatus.needs_attention]))
            .order_by(col(Pin.updated_at).desc(), col(Pin.id).desc())
            .limit(limit)
        ).all()
        late = session.exec(
            select(Pin)
            .where(
                Pin.account_id == account_id,
                Pin.status == PinStatus.queued,
                col(Pin.due_at) < as_utc(now) - OVERDUE,
            )
            .order_by(col(Pin.due_at))
            .limit(limit)
        ).all()
        session.expunge_all()
    for pin in stuck:
        (out.failed if pin.status == PinStatus.failed else out.needs_attention).append(pin)
    out.overdue = list(late)
    return out
