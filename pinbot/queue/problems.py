"""Pins that need the owner: failed, needing attention, or overdue in the queue, each with what
to do about it in one line. `pinbot queue list` and `pinbot doctor` show them; the poster records
the reason in `Pin.last_error` when it gives up on a pin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from pinbot.clock import as_utc
from pinbot.queue.listing import OVERDUE, pin_fix
from pinbot.store.db import read_scope
from pinbot.store.models import Pin, PinStatus
from pinbot.words import plural

__all__ = ["OVERDUE", "Problems", "find_problems", "pin_fix"]  # pin_fix's home is listing.py


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
