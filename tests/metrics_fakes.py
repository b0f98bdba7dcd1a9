"""A fake PinterestAPI for the metrics, review and report tests, and builders of posted pins."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from pinbot.clock import Clock
from pinbot.pinterest.analytics import check_pin_ids, check_window
from pinbot.pinterest.errors import FeatureUnavailable, RateLimited, RequestRejected
from pinbot.pinterest.types import DailyMetrics
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import Board, Pin, PinStatus, Product

DayFn = Callable[[str, date], tuple[int, int, int, int]]  # (impressions, saves, pin clicks, outbound)


def default_day(pin_id: str, day: date) -> tuple[int, int, int, int]:
    base = 100 + int(pin_id[-2:]) + day.day
    return base, base // 50, base // 20, base // 100


class FakeAPI:
    """Answers analytics like Pinterest would (90-day rules enforced); counts every call."""

    def __init__(
        self,
        clock: Clock,
        *,
        multi: bool = True,
        day_fn: DayFn = default_day,
        settle_days: int = 2,
        rate_limit_after: int | None = None,
        missing: Sequence[str] = (),
    ) -> None:
        self.clock = clock
        self.multi = multi
        self.day_fn = day_fn
        self.settle_days = settle_days
        self.rate_limit_after = rate_limit_after
        self.missing = set(missing)
        self.calls: list[tuple[str, tuple[str, ...], date, date]] = []

    def _today(self) -> date:
        return self.clock.now().date()

    def _spend(self, kind: str, ids: tuple[str, ...], start: date, end: date) -> None:
        if self.rate_limit_after is not None and len(self.calls) >= self.rate_limit_after:
            raise RateLimited("org_analytics budget spent", retry_after=3600, status=429, code=8)
        check_window(start, end, self._today())
        self.calls.append((kind, ids, start, end))

    def _days(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        out = []
        day = start
        while day <= end:
            imp, saves, clicks, outbound = self.day_fn(pin_id, day)
            status = "READY" if (self._today() - day).days > self.settle_days else "ESTIMATE"
            out.append(DailyMetrics(day, status, imp, saves, clicks, outbound))
            day += timedelta(days=1)
        return out

    def pin_analytics(self, pin_id: str, start: date, end: date) -> list[DailyMetrics]:
        self._spend("pin", (pin_id,), start, end)
        if pin_id in self.missing:
            raise RequestRejected("Pin not found.", status=404, code=50)
        return self._days(pin_id, start, end)

    def multi_pin_analytics(self, pin_ids: Sequence[str], start: date, end: date) -> dict[str, list[DailyMetrics]]:
        if not self.multi:
            raise FeatureUnavailable("multi-pin analytics is not enabled for this app", status=403)
        ids = tuple(check_pin_ids(pin_ids))
        self._spend("multi", ids, start, end)
        return {p: self._days(p, start, end) for p in ids if p not in self.missing}

    def account_analytics(self, start: date, end: date) -> list[DailyMetrics]:
        self._spend("account", (), start, end)
        return self._days("9999", start, end)

    # The rest of the protocol is not used by metrics.
    def get_user_account(self) -> dict[str, Any]:
        return {"username": "fake"}

    def list_boards(self) -> list[dict[str, Any]]:
        return []

    def create_board(self, name: str, description: str = "", privacy: str = "PUBLIC") -> dict[str, Any]:
        raise NotImplementedError

    def create_pin(self, pin: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_pin(self, pin_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def delete_pin(self, pin_id: str) -> None:
        raise NotImplementedError

    def iter_board_pins(self, board_id: str, page_size: int = 250) -> Any:
        return iter(())

    def pin_calls(self) -> list[tuple[str, tuple[str, ...], date, date]]:
        return [c for c in self.calls if c[0] != "account"]


def make_account(engine: Engine, name: str = "default") -> int:
    with session_scope(engine) as session:
        account = get_or_create_account(session, name)
        assert account.id is not None
        return account.id


def add_board(engine: Engine, account_id: int, key: str) -> int:
    with session_scope(engine) as session:
        board = Board(account_id=account_id, key=key, name=key.title())
        session.add(board)
        session.flush()
        assert board.id is not None
        return board.id


def add_product(engine: Engine, account_id: int, external_id: str, title: str = "", link: str = "") -> int:
    with session_scope(engine) as session:
        product = Product(
            account_id=account_id,
            external_id=external_id,
            title=title or external_id,
            link=link or f"https://shop.example/{external_id}",
            image_paths=[],
        )
        session.add(product)
        session.flush()
        assert product.id is not None
        return product.id


def add_posted_pin(
    engine: Engine,
    account_id: int,
    board_id: int,
    posted_at: datetime,
    remote_id: str,
    *,
    template: str | None = "photo-band",
    variant_key: str | None = None,
    product_id: int | None = None,
    experiment_variant_id: int | None = None,
) -> int:
    with session_scope(engine) as session:
        pin = Pin(
            account_id=account_id,
            board_id=board_id,
            title=f"pin {remote_id}",
            link="https://shop.example/x",
            due_at=posted_at,
            status=PinStatus.posted,
            pinterest_pin_id=remote_id,
            posted_at=posted_at,
            template=template,
            variant_key=variant_key,
            product_id=product_id,
            experiment_variant_id=experiment_variant_id,
        )
        session.add(pin)
        session.flush()
        assert pin.id is not None
        return pin.id


def seed_shop(engine: Engine, account_id: int, today: date, *, days: int = 60, seed: int = 1) -> dict[str, int]:
    """A small shop with history: 3 boards, 4 designs of different appeal, 48 pins, `days` of metrics."""
    import random

    from pinbot.metrics.sweep import upsert_pin_days

    rng = random.Random(seed)
    appeal = {"photo-band": 1.6, "split-block": 0.5, "text-forward": 1.0, "collage": 1.0}
    boards = {key: add_board(engine, account_id, key) for key in ("jewelry", "ceramics", "tutorials")}
    products = [add_product(engine, account_id, f"p{i}", f"Product {i}") for i in range(6)]
    add_product(engine, account_id, "idle", "Brass ear cuff")
    pins = 0
    for i in range(48):
        design = list(appeal)[i % 4]
        board = list(boards)[(i // 4) % 3]
        posted = datetime.combine(today - timedelta(days=days - i % 20), datetime.min.time()).replace(
            hour=8 + (i % 12), tzinfo=UTC
        )
        pin_id = add_posted_pin(
            engine, account_id, boards[board], posted, str(80000 + i), template=design, product_id=products[i % 6]
        )
        rows = []
        day = posted.date()
        while day < today:
            imp = rng.randint(80, 220)
            rate = 0.01 * appeal[design]
            out = sum(rng.random() < rate for _ in range(imp))
            saves = sum(rng.random() < 0.015 for _ in range(imp))
            status = "READY" if (today - day).days > 2 else "ESTIMATE"
            rows.append(DailyMetrics(day, status, imp, saves, imp // 30, out))
            day += timedelta(days=1)
        with session_scope(engine) as session:
            upsert_pin_days(session, pin_id, rows, posted)
        pins += 1
    return {"pins": pins, **boards}
