"""The shop's loops as rows: create (validated), list, find by name or id, pause, resume, delete.

Owns what a loop may say: which products (`all`, `tags`, `boards` = products already pinned there,
or a product list), which boards it pins to (defined in boards/*.toml), how often a product comes
back (`every_days`), how far ahead the queue is kept filled (`ahead_days`), and for a seasonal loop
its yearly dates. Deleting a loop cancels its queued pins; its posted pins keep their history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import col, select

from pinbot.clock import Clock, as_utc
from pinbot.errors import InvalidInput, NotFound
from pinbot.loops.season import parse_md
from pinbot.shop.boards import BoardDef, require_board
from pinbot.store.db import read_scope, session_scope
from pinbot.store.models import Loop, Pin, PinStatus

KINDS = ("evergreen", "seasonal")
SELECTIONS = ("all", "tags", "boards", "products")
DEFAULT_EVERY_DAYS = 30
DEFAULT_AHEAD_DAYS = 7
MAX_AHEAD_DAYS = 366  # a whole year can be planned at once


@dataclass(frozen=True)
class LoopSpec:
    """What the owner asks for; validated by `LoopStore.create`."""

    name: str
    boards: tuple[str, ...]
    selection: dict[str, Any] = field(default_factory=lambda: {"all": True})
    every_days: int = DEFAULT_EVERY_DAYS
    ahead_days: int = DEFAULT_AHEAD_DAYS
    season_start: str | None = None
    season_end: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "seasonal" if self.season_start or self.season_end else "evergreen"


def describe_selection(selection: dict[str, Any]) -> str:
    for key in SELECTIONS:
        if key in selection:
            value = selection[key]
            return "all products" if key == "all" else f"{key}: " + ", ".join(str(v) for v in value)
    return "nothing"


def loop_to_dict(loop: Loop, counts: dict[str, int] | None = None) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return as_utc(value).isoformat() if value else None

    return {
        "id": loop.id,
        "name": loop.name,
        "kind": loop.kind,
        "status": loop.status,
        "selection": loop.selection,
        "selection_text": describe_selection(loop.selection),
        "boards": list(loop.boards),
        "every_days": loop.every_days,
        "ahead_days": loop.ahead_days,
        "season_start": loop.season_start,
        "season_end": loop.season_end,
        "keywords": list(loop.keywords),
        "pins": counts or {},
        "created_at": iso(loop.created_at),
    }


def _check_selection(selection: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in SELECTIONS if k in selection]
    if len(keys) != 1 or set(selection) - set(SELECTIONS):
        raise InvalidInput("selection", "choose exactly one of --all, --tag, --from-board or --product")
    key = keys[0]
    if key == "all":
        return {"all": True}
    values = selection[key]
    if not isinstance(values, list | tuple) or not values:
        raise InvalidInput(key, "give at least one value")
    if key == "products":
        try:
            return {"products": sorted({int(v) for v in values})}
        except (TypeError, ValueError):
            raise InvalidInput("products", f"product ids are numbers, got {values!r}") from None
    return {key: sorted({str(v).strip().lower() for v in values if str(v).strip()})}


class LoopStore:
    def __init__(self, engine: Engine, account_id: int, boards: dict[str, BoardDef], clock: Clock) -> None:
        self.engine = engine
        self.account_id = account_id
        self.boards = boards
        self.clock = clock

    def create(self, spec: LoopSpec) -> Loop:
        name = spec.name.strip()
        if not name or len(name) > 100:
            raise InvalidInput("name", "a loop name needs 1 to 100 characters")
        if not spec.boards:
            raise InvalidInput("board", "a loop needs at least one board to pin to")
        for key in spec.boards:
            require_board(self.boards, key)
        if not 1 <= spec.every_days <= 365:
            raise InvalidInput("every", f"must be 1 to 365 days, got {spec.every_days}")
        if not 1 <= spec.ahead_days <= MAX_AHEAD_DAYS:
            raise InvalidInput("ahead", f"must be 1 to {MAX_AHEAD_DAYS} days, got {spec.ahead_days}")
        if bool(spec.season_start) != bool(spec.season_end):
            raise InvalidInput("season", "a seasonal loop needs both a start and an end date")
        selection = _check_selection(dict(spec.selection))
        if "boards" in selection:
            for key in selection["boards"]:
                require_board(self.boards, key)
        now = self.clock.now()
        with session_scope(self.engine) as session:
            taken = session.exec(select(Loop).where(Loop.account_id == self.account_id, Loop.name == name)).first()
            if taken is not None:
                raise InvalidInput("name", f"there is already a loop named {name!r} (pinbot loop show {name})")
            loop = Loop(
                account_id=self.account_id,
                name=name,
                kind=spec.kind,
                selection=selection,
                boards=list(dict.fromkeys(spec.boards)),
                every_days=spec.every_days,
                ahead_days=spec.ahead_days,
                season_start=parse_md(spec.season_start, "start") if spec.season_start else None,
                season_end=parse_md(spec.season_end, "end") if spec.season_end else None,
                keywords=[k.strip() for k in spec.keywords if k.strip()],
                created_at=now,
                updated_at=now,
            )
            session.add(loop)
            session.flush()
            session.expunge(loop)
            return loop

    def list(self, active_only: bool = False) -> list[Loop]:
        with read_scope(self.engine) as session:
            query = select(Loop).where(Loop.account_id == self.account_id)
            if active_only:
                query = query.where(Loop.status == "active")
            loops = list(session.exec(query.order_by(col(Loop.id))).all())
            session.expunge_all()
            return loops

    def get(self, ref: str) -> Loop:
        with read_scope(self.engine) as session:
            query = select(Loop).where(Loop.account_id == self.account_id)
            loop = session.exec(query.where(Loop.name == ref)).first()
            if loop is None and ref.isdigit():
                loop = session.exec(query.where(Loop.id == int(ref))).first()
            if loop is None:
                raise NotFound(f"no loop named {ref!r} (pinbot loop list shows them)")
            session.expunge(loop)
            return loop

    def pin_counts(self, loop_id: int) -> dict[str, int]:
        with read_scope(self.engine) as session:
            rows = session.exec(select(Pin.status).where(Pin.loop_id == loop_id)).all()
        out: dict[str, int] = {}
        for status in rows:
            key = str(status.value if isinstance(status, PinStatus) else status)
            out[key] = out.get(key, 0) + 1
        return out

    def set_status(self, ref: str, status: str) -> tuple[Loop, int]:
        """Pause (its queued pins are cancelled: nothing goes out for a paused loop) or resume."""
        loop = self.get(ref)
        now = self.clock.now()
        with session_scope(self.engine) as session:
            row = session.get(Loop, loop.id)
            assert row is not None
            row.status = status
            row.updated_at = now
            session.add(row)
            cancelled = self._cancel_queued(session, loop.id, now, "loop paused") if status == "paused" else 0
            session.flush()
            session.expunge(row)
            return row, cancelled

    def delete(self, ref: str) -> int:
        """Delete the loop; its queued pins are cancelled, posted pins keep their history (loop_id cleared)."""
        loop = self.get(ref)
        now = self.clock.now()
        with session_scope(self.engine) as session:
            cancelled = self._cancel_queued(session, loop.id, now, f"loop {loop.name} deleted")
            session.execute(update(Pin).where(col(Pin.loop_id) == loop.id).values(loop_id=None))
            row = session.get(Loop, loop.id)
            if row is not None:
                session.delete(row)
            return cancelled

    @staticmethod
    def _cancel_queued(session: Any, loop_id: int | None, now: datetime, why: str) -> int:
        result = session.execute(
            update(Pin)
            .where(col(Pin.loop_id) == loop_id, col(Pin.status) == PinStatus.queued)
            .values(status=PinStatus.cancelled, last_error=why, updated_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
