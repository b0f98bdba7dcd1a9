"""The queue service: put pins in, look at them, cancel and retry them.

Owns the rules of enqueueing: validation before any write, one pin per board, idempotency by a
unique `(account, source_key)` so that re-running an import or a feed adds nothing, and which
state changes an owner may ask for. When a pin is due is the planner's business: the service
hands new pins to a `Planner` (the default one makes them due at once, or at the owner's `--at`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Engine, Row, bindparam, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pinbot.clock import Clock, as_utc
from pinbot.errors import InvalidInput, NotFound, StateConflict
from pinbot.queue.board_rows import current_board_ids
from pinbot.queue.bulk_insert import insert_columns
from pinbot.queue.drafts import ROW_KEYS, PinDraft
from pinbot.queue.listing import listing, listing_count
from pinbot.shop.boards import BoardDef, require_board
from pinbot.store.db import read_scope, session_scope
from pinbot.store.models import Board, Pin, PinStatus, new_uids


@dataclass(frozen=True)
class PinRequest:
    """What an owner (or an importer) asks for; validated before it becomes queue rows."""

    boards: tuple[str, ...]
    title: str
    description: str = ""
    link: str = ""
    image: str | None = None
    alt_text: str = ""
    at: datetime | None = None  # the owner's explicit time, UTC
    # Not before this time, UTC; the planner still fits the pin into the posting rules (unlike `at`).
    not_before: datetime | None = None
    # Not after this time, UTC: a pin the rules can only place later is not queued (a loop's
    # horizon or season end; the next top-up tries again) and is listed in `EnqueueResult.later`.
    not_after: datetime | None = None
    template: str | None = None
    variant_key: str | None = None
    product_id: int | None = None
    source_key: str | None = None
    experiment_variant_id: int | None = None
    headline: str = ""  # the pin's big text ("" derives it from the title)
    badge: str = ""  # NEW, SALE, ...
    loop_id: int | None = None

    def on_boards(self, boards: tuple[str, ...], source_key: str | None) -> PinRequest:
        """This request for other boards under another key (`dataclasses.replace` without its
        checks and keyword calls: an import makes 100,000 of them from a few thousand)."""
        made = object.__new__(type(self))
        fields = made.__dict__
        fields.update(self.__dict__)
        fields["boards"] = boards
        fields["source_key"] = source_key
        return made

    def key_for(self, board: str) -> str:
        """The idempotency key of this request on one board."""
        base = (
            self.source_key
            or "manual:"
            + hashlib.sha256(
                "\x1f".join([self.title, self.link, self.image or "", self.template or ""]).encode()
            ).hexdigest()[:24]
        )
        return f"{base}#{board}"


class Planner(Protocol):
    def schedule(self, session: Session, account_id: int, drafts: Sequence[PinDraft], now: datetime) -> None:
        """Set `due_at` on each draft that has no explicit time. Runs inside the enqueue
        transaction, so the planner sees every committed pin and no other writer interleaves."""
        ...

    def slot(self, session: Session, account_id: int, board_id: int, link: str, now: datetime) -> datetime:
        """When one more pin on this board with this link may go out, from `now` (`retry`)."""
        ...


class ImmediatePlanner:
    """Due at once; the fallback when no posting rules apply."""

    def schedule(self, session: Session, account_id: int, drafts: Sequence[PinDraft], now: datetime) -> None:
        for draft in drafts:
            if not draft.explicit_time:
                draft.due_at = max(now, draft.due_at)  # a `not_before` is kept

    def slot(self, session: Session, account_id: int, board_id: int, link: str, now: datetime) -> datetime:
        return now


@dataclass
class EnqueueResult:
    created: list[int] = field(default_factory=list)  # new pin ids, in request order
    existing: list[int] = field(default_factory=list)  # ids of pins that were already queued
    later: list[str] = field(default_factory=list)  # source keys placed after their `not_after`: not queued


class QueueService:
    def __init__(
        self,
        engine: Engine,
        account_id: int,
        boards: dict[str, BoardDef],
        clock: Clock,
        planner: Planner | None = None,
    ) -> None:
        self.engine = engine
        self.account_id = account_id
        self.boards = boards
        self.clock = clock
        self.planner: Planner = planner or ImmediatePlanner()

    # -- writing ---------------------------------------------------------------------------
    def board_row(self, session: Session, key: str) -> Board:
        """The database row of a board defined in files, created on first use."""
        board_def = require_board(self.boards, key)
        row = session.exec(select(Board).where(Board.account_id == self.account_id, Board.key == key)).first()
        if row is None:
            row = Board(
                account_id=self.account_id,
                key=key,
                name=board_def.name,
                description=board_def.description,
                privacy=board_def.privacy,
            )
            session.add(row)
            session.flush()
        elif (row.name, row.description, row.privacy) != (board_def.name, board_def.description, board_def.privacy):
            row.name, row.description, row.privacy = board_def.name, board_def.description, board_def.privacy
            session.add(row)
        return row

    def enqueue(self, requests: Iterable[PinRequest]) -> EnqueueResult:
        """Queue every request in one transaction; requests already queued are returned as existing."""
        reqs = list(requests)
        known: set[str] = set()
        for req in reqs:
            if not req.boards:
                raise InvalidInput("board", "at least one board is required")
            for key in req.boards:
                if key not in known:  # an import names a few boards 100,000 times
                    require_board(self.boards, key)
                    known.add(key)
        now = self.clock.now()
        result = EnqueueResult()
        # Outside the transaction: reading photos must not hold the database's write lock.
        from pinbot.render.subject import fingerprint  # Pillow: only when pins are queued

        hashes = {img: fingerprint(Path(img)) for img in dict.fromkeys(r.image for r in reqs if r.image)}
        with session_scope(self.engine) as session:
            source_keys = [req.key_for(b) for req in reqs for b in req.boards]
            existing = self._existing(session, source_keys)
            keys = list(dict.fromkeys(k for req in reqs for k in req.boards))
            board_ids = current_board_ids(session, self.account_id, self.boards, keys)
            for key in keys:  # a board new or changed in its file
                board_ids[key] = board_ids.get(key) or self.board_row(session, key).id or 0
            drafts: list[PinDraft] = []
            seen: set[str] = set()
            next_key = iter(source_keys).__next__  # in the same order as they were made
            for req in reqs:
                due = max(now, as_utc(req.not_before)) if req.not_before else now
                image = req.image
                # Positional, in PinDraft's field order: an import builds 100,000 of them.
                common = (
                    req.title,
                    req.description,
                    req.link,
                    req.alt_text,
                    image,
                    req.at or due,
                    req.at is not None,
                    req.product_id,
                    req.template,
                    req.variant_key,
                    req.experiment_variant_id,
                    req.headline,
                    req.badge,
                    hashes.get(image) if image else None,
                    req.loop_id,
                    as_utc(req.not_after) if req.not_after else None,
                )
                for board_key in req.boards:
                    source_key = next_key()
                    if source_key in existing:
                        result.existing.append(existing[source_key])
                        continue
                    if source_key in seen:  # a file naming the same row twice queues it once
                        continue
                    seen.add(source_key)
                    drafts.append(PinDraft(board_ids[board_key], board_key, source_key, *common))
            if drafts:
                self.planner.schedule(session, self.account_id, drafts, now)
                result.later = [d.source_key for d in drafts if d.not_after is not None and d.due_at > d.not_after]
                drafts = [d for d in drafts if d.not_after is None or d.due_at <= d.not_after]
            if drafts:
                uids = new_uids(len(drafts))
                account_id = self.account_id
                columns = PinDraft.columns(drafts, uids, account_id, now)
                last_id = session.connection().execute(sa_select(func.max(col(Pin.id)))).scalar()
                # One executemany: asking RETURNING for ids in order makes SQLite insert row by row,
                # and the ORM's bulk insert costs more than the insert itself.
                insert_columns(session.connection(), Pin.__table__, ROW_KEYS, columns)  # type: ignore[attr-defined]
                result.created = self._ids_by_uid(session, uids, last_id or 0)
        return result

    def pins(self, ids: Sequence[int]) -> list[tuple[Pin, str]]:
        """Pins by id with their board keys, in the order asked."""
        with read_scope(self.engine) as session:
            rows = session.exec(
                select(Pin, Board.key).join(Board, col(Board.id) == Pin.board_id).where(col(Pin.id).in_(ids))
            ).all()
            by_id = {pin.id: (pin, key) for pin, key in rows}
            return [by_id[i] for i in ids if i in by_id]

    def _ids_by_uid(self, session: Session, uids: list[str], last_id: int) -> list[int]:
        """The ids of the rows just inserted, in `uids` order. Every new id is above the highest id
        before the insert (ids only grow), so one range scan finds them; a concurrent writer's
        rows in the range are not in `uids`."""
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            # SQLite gives a new row the highest id plus one, and the insert ran under this
            # transaction's write lock: when the range holds exactly as many rows as were inserted,
            # all of them ours, they are ours in insertion order (reading 100,000 uids back cost more).
            count, top = connection.execute(
                sa_select(func.count(), func.max(col(Pin.id))).where(col(Pin.id) > last_id)
            ).one()
            if count == len(uids) and top == last_id + len(uids):
                return list(range(last_id + 1, last_id + 1 + len(uids)))
        wanted = set(uids)
        query = sa_select(col(Pin.uid), col(Pin.id)).where(col(Pin.id) > last_id)
        rows = connection.execute(query)
        found = {uid: int(pin_id) for uid, pin_id in rows if uid in wanted and pin_id is not None}
        return [found[uid] for uid in uids]

    def _existing(self, session: Session, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        connection = session.connection()
        mine = col(Pin.account_id) == self.account_id
        if connection.execute(sa_select(func.count()).where(mine)).scalar_one() <= len(keys):
            # A queue no bigger than the import (an empty one first of all): one pass over its keys
            # costs less than looking each new key up.
            wanted = set(keys)
            rows = connection.execute(sa_select(col(Pin.source_key), col(Pin.id)).where(mine))
            return {key: int(pin_id) for key, pin_id in rows if key in wanted and pin_id is not None}
        # One statement, its key list bound at each run: building an IN of 500 literals per chunk
        # costs more than the lookup (an import of 100,000 rows asks 200 times).
        query = sa_select(col(Pin.source_key), col(Pin.id)).where(
            col(Pin.account_id) == self.account_id, col(Pin.source_key).in_(bindparam("keys", expanding=True))
        )
        for start in range(0, len(keys), 500):
            rows = session.connection().execute(query, {"keys": keys[start : start + 500]})
            found.update({key: int(pin_id) for key, pin_id in rows if key and pin_id is not None})
        return found

    def cancel(self, pin_id: int) -> Pin:
        with session_scope(self.engine) as session:
            pin = self._get(session, pin_id)
            if pin.status == PinStatus.cancelled:
                return pin
            if pin.status == PinStatus.posted:
                raise StateConflict(
                    f"pin {pin_id} is already posted (Pinterest id {pin.pinterest_pin_id}); "
                    "delete it on Pinterest if you no longer want it"
                )
            if pin.status == PinStatus.posting:
                raise StateConflict(f"pin {pin_id} is being posted right now; cancel it after it settles")
            pin.status = PinStatus.cancelled
            pin.updated_at = self.clock.now()
            session.add(pin)
            return pin

    def retry(self, pin_id: int, at: datetime | None = None) -> Pin:
        """Queue a failed, cancelled or needs-attention pin again, due at the first time the
        posting rules allow from now (or at `at`)."""
        with session_scope(self.engine) as session:
            pin = self._get(session, pin_id)
            if pin.status in (PinStatus.posted, PinStatus.posting, PinStatus.queued):
                raise StateConflict(
                    f"pin {pin_id} is {pin.status.value.replace('_', ' ')}; only a failed or cancelled pin, or one "
                    "that needs your attention, can be retried"
                )
            if pin.pinterest_pin_id:
                raise StateConflict(
                    f"pin {pin_id} already exists on Pinterest as {pin.pinterest_pin_id}; retrying would post it twice"
                )
            now = self.clock.now()
            # Placed like a new pin (before it counts as queued): not beside a pin with the same link.
            pin.due_at = at or self.planner.slot(session, self.account_id, pin.board_id, pin.link or "", now)
            pin.status = PinStatus.queued
            pin.explicit_time = at is not None or pin.explicit_time
            pin.last_error = None
            pin.reconcile_checks = 0
            pin.updated_at = now
            session.add(pin)
            return pin

    # -- reading ---------------------------------------------------------------------------
    def _get(self, session: Session, pin_id: int) -> Pin:
        pin = session.get(Pin, pin_id)
        if pin is None or pin.account_id != self.account_id:
            raise NotFound(f"no pin with id {pin_id}")
        return pin

    def get(self, pin_id: int) -> tuple[Pin, str]:
        with read_scope(self.engine) as session:
            pin = self._get(session, pin_id)
            board = session.get(Board, pin.board_id)
            return pin, board.key if board else ""

    def list(
        self, status: PinStatus | None = None, board: str | None = None, limit: int | None = None
    ) -> list[tuple[Pin, str]]:
        with read_scope(self.engine) as session:
            query = (
                select(Pin, Board.key)
                .join(Board, col(Board.id) == Pin.board_id)
                .where(Pin.account_id == self.account_id)
            )
            if status is not None:
                query = query.where(Pin.status == status)
            if board is not None:
                require_board(self.boards, board)
                query = query.where(Board.key == board)
            query = query.order_by(col(Pin.due_at), col(Pin.id))
            if limit:
                query = query.limit(limit)
            return [(pin, key) for pin, key in session.exec(query).all()]

    def listing(
        self,
        status: PinStatus | None = None,
        board: str | None = None,
        limit: int | None = None,
        where: ColumnElement[bool] | None = None,
    ) -> Iterator[Row[Any]]:
        """Pins soonest first as plain rows (`pinbot.queue.listing`), the board key checked first."""
        if board is not None:
            require_board(self.boards, board)
        return listing(self.engine, self.account_id, status, board, limit, where)

    def listing_count(
        self, status: PinStatus | None = None, board: str | None = None, where: ColumnElement[bool] | None = None
    ) -> int:
        """How many pins `listing` would yield without a limit."""
        return listing_count(self.engine, self.account_id, status, board, where)

    def counts(self) -> dict[str, int]:
        with read_scope(self.engine) as session:
            rows = session.exec(
                select(Pin.status, func.count()).where(Pin.account_id == self.account_id).group_by(Pin.status)
            ).all()
            return {status.value if isinstance(status, PinStatus) else str(status): n for status, n in rows}
