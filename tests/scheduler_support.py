"""Test doubles and set-up shared by the scheduler tests: an in-memory Pinterest that can fail in
every way the poster must handle, and a small shop (account, synced boards, a photo)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.pinterest.memory import MemoryPinterest
from pinbot.posting.images import CachedRenderer
from pinbot.posting.poster import Poster
from pinbot.queue.service import PinRequest, QueueService
from pinbot.shop.boards import BoardDef, LinkRules
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import Board, Pin, PostAttempt
from tests.helpers import make_photo

# The one in-memory Pinterest (faults, reconcile listings, analytics), under the name these tests use.
FakePinterest = MemoryPinterest


BOARD_KEYS = ("mugs", "jewelry", "untagged", "unsynced")


@dataclass
class Shop:
    engine: Engine
    clock: FakeClock
    account_id: int
    boards: dict[str, BoardDef]
    photo: Path
    tmp: Path
    api: FakePinterest

    def queue(self, planner: Any = None) -> QueueService:
        return QueueService(self.engine, self.account_id, self.boards, self.clock, planner)

    def add(self, n: int = 1, board: str = "mugs", link: str = "https://shop.example/p/{i}", **kw: Any) -> list[int]:
        reqs = [
            PinRequest(
                boards=(board,),
                title=str(kw.get("title", "Pin {i}")).format(i=i),
                description=str(kw.get("description", "")).format(i=i),
                link=link.format(i=i),
                image=str(kw.get("image", self.photo)),
                source_key=f"{kw.get('prefix', 'k')}-{i}",
                at=kw.get("at"),
            )
            for i in range(n)
        ]
        return list(self.queue().enqueue(reqs).created)

    def poster(self, **kw: Any) -> Poster:
        images = CachedRenderer(self.tmp / "assets", self.tmp / "renders")
        kw.setdefault("rng", random.Random(1))
        return Poster(
            self.engine,
            self.account_id,
            kw.pop("client", self.api),
            self.clock,
            self.boards,
            images,
            kw.pop("worker_id", "w1"),
            **kw,
        )

    def pin(self, pin_id: int) -> Pin:
        with session_scope(self.engine) as session:
            pin = session.get(Pin, pin_id)
            assert pin is not None
            session.expunge(pin)
            return pin

    def attempts(self, pin_id: int) -> list[PostAttempt]:
        with session_scope(self.engine) as session:
            rows = session.exec(select(PostAttempt).where(PostAttempt.pin_id == pin_id).order_by(PostAttempt.id)).all()  # type: ignore[arg-type]
            for r in rows:
                session.expunge(r)
            return list(rows)


def make_shop(engine: Engine, clock: FakeClock, tmp: Path, api: FakePinterest | None = None) -> Shop:
    boards = {
        "mugs": BoardDef("mugs", "Mugs"),
        "jewelry": BoardDef("jewelry", "Jewelry", link=LinkRules(utm_campaign="jewels")),
        "untagged": BoardDef("untagged", "Untagged", link=LinkRules(tag_links=False)),
        "unsynced": BoardDef("unsynced", "Unsynced"),
    }
    with session_scope(engine) as session:
        account = get_or_create_account(session, "default")
        assert account.id is not None
        for i, key in enumerate(BOARD_KEYS):
            pid = None if key == "unsynced" else f"board-{i}"
            session.add(Board(account_id=account.id, key=key, name=boards[key].name, pinterest_board_id=pid))
        account_id = account.id
    photo = make_photo(tmp / "photo.jpg", size=(200, 300), color=(200, 80, 40))
    return Shop(engine, clock, account_id, boards, photo, tmp, api or FakePinterest(clock))


def at(clock: FakeClock, **delta: float) -> datetime:
    clock.advance(**delta)
    return clock.now()
