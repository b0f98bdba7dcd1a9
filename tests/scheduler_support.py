"""Test doubles and set-up shared by the scheduler tests: an in-memory Pinterest that can fail in
every way the poster must handle, and a small shop (account, synced boards, a photo)."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.links import marker_in
from pinbot.pinterest.errors import (
    InvalidGrant,
    MaybeSent,
    NotSent,
    RateLimited,
    RequestRejected,
    SpamBlocked,
    Unauthorized,
)
from pinbot.pinterest.types import DailyMetrics, NewPin
from pinbot.posting.images import CachedRenderer
from pinbot.posting.poster import Poster
from pinbot.queue.service import PinRequest, QueueService
from pinbot.shop.boards import BoardDef, LinkRules
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import Board, Pin, PostAttempt

# create_pin faults: raised before storing the pin, or (the *_after_create ones) after it.
BEFORE = {
    "not_sent": lambda: NotSent("POST /pins: connection refused"),
    "rate": lambda: RateLimited("rate limit", retry_after=120, status=429, code=8, request_id="rid-429"),
    "spam": lambda: SpamBlocked("your activity looks like spam", status=429, code=8),
    "401": lambda: Unauthorized("token expired", status=401, code=2),
    "invalid_grant": lambda: InvalidGrant("The authorization grant is invalid", status=400, code=283),
    "reject": lambda: RequestRejected("Board not found.", status=404, code=50, request_id="rid-404"),
    "maybe": lambda: MaybeSent("POST /pins: HTTP 502", status=502),
}
AFTER = {
    "maybe_after_create": lambda: MaybeSent("POST /pins: connection reset after send"),
    "crash_after_create": lambda: RuntimeError("bug in our own code after the request"),
}


@dataclass
class FakePinterest:
    """Satisfies PinterestAPI for posting and reconcile; faults are consumed one per create_pin."""

    clock: FakeClock
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    create_calls: int = 0
    list_calls: int = 0
    list_down: bool = False
    listing: Any = None  # when set, iter_board_pins yields exactly this (a malformed answer)
    answer: Any = None  # when set, create_pin stores the pin but answers this instead of it
    deleted: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def inject(self, *kinds: str) -> None:
        self.faults.extend(kinds)

    def create_pin(self, pin: NewPin) -> dict[str, Any]:
        self.create_calls += 1
        fault = self.faults.pop(0) if self.faults else None
        if fault in BEFORE:
            raise BEFORE[fault]()
        pid = str(next(self._ids))
        self.pins[pid] = {
            "id": pid,
            "board_id": pin.board_id,
            "title": pin.title,
            "description": pin.description,
            "alt_text": pin.alt_text,
            "link": pin.link,
            "created_at": self.clock.now().isoformat(),
        }
        if fault in AFTER:
            raise AFTER[fault]()
        if self.answer is not None:
            return self.answer  # type: ignore[no-any-return]
        return dict(self.pins[pid])

    def iter_board_pins(self, board_id: str, page_size: int = 250) -> Iterator[dict[str, Any]]:
        self.list_calls += 1
        if self.list_down:
            raise MaybeSent("GET /boards/x/pins: HTTP 503", status=503)
        if self.listing is not None:
            return iter(self.listing)
        return iter([dict(p) for p in self.pins.values() if p["board_id"] == board_id])

    def by_marker(self) -> Counter[str]:
        return Counter(marker_in(p["link"]) or "" for p in self.pins.values())

    # The rest of the protocol is not used by the scheduler.
    def get_user_account(self) -> dict[str, Any]:
        return {"username": "shop"}

    def list_boards(self) -> list[dict[str, Any]]:
        return []

    def create_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]:
        raise NotImplementedError

    def get_pin(self, pin_id: str) -> dict[str, Any]:
        return dict(self.pins[pin_id])

    def delete_pin(self, pin_id: str) -> None:
        self.deleted.append(pin_id)
        self.pins.pop(pin_id, None)

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        return []

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        return {}

    def account_analytics(self, start: date, end: date) -> list[DailyMetrics]:
        return []


def make_photo(path: Path, color: tuple[int, int, int] = (200, 80, 40)) -> Path:
    Image.new("RGB", (200, 300), color).save(path, "JPEG")
    return path


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
    photo = make_photo(tmp / "photo.jpg")
    return Shop(engine, clock, account_id, boards, photo, tmp, api or FakePinterest(clock))


def at(clock: FakeClock, **delta: float) -> datetime:
    clock.advance(**delta)
    return clock.now()
