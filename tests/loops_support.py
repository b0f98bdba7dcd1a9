"""A year of loops on a FakeClock: a shop with products, boards and loops, topped up once a day and
"posted" at each pin's due time (status only: rendering and the HTTP client are tested elsewhere).

Used by tests/test_loops_sim.py (short runs) and bench/loops.py (the 365-day runs). Everything the
rules promise is checked on the pins that went out: the daily cap, the gaps between any two pins
and between two pins on one board, no photo+design twice on one board, seasons, stock changes.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlmodel import col, select

from pinbot.clock import FakeClock, as_utc
from pinbot.loops.store import LoopSpec, LoopStore
from pinbot.loops.topup import LoopRunner
from pinbot.queue.lint import design_key
from pinbot.queue.planner import RulesPlanner
from pinbot.queue.service import QueueService
from pinbot.shop.boards import BoardDef
from pinbot.shop.products import ProductRecord, ProductService
from pinbot.shop.rules import Rules, ScheduleRules
from pinbot.store.db import get_or_create_account, session_scope
from pinbot.store.models import Board, Pin, PinStatus

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("America/New_York")
TAGS = ("mug", "planter", "bowl", "vase", "earrings", "necklace", "ring", "gift")
WORDS = ("handmade", "stoneware", "ceramic", "pottery", "jewelry", "silver", "gift", "decor", "kitchen", "studio")


@dataclass
class Shop:
    engine: Engine
    clock: FakeClock
    account_id: int
    boards: dict[str, BoardDef]
    rules: Rules
    queue: QueueService
    runner: LoopRunner
    loops: LoopStore
    products: ProductService


def make_shop(engine: Engine, clock: FakeClock, n_products: int, n_boards: int, rules: Rules | None = None) -> Shop:
    rules = rules or Rules()
    with session_scope(engine) as session:
        account = get_or_create_account(session, "loops")
        assert account.id is not None
        account_id = account.id
    boards = {
        f"board{i}": BoardDef(
            f"board{i}", f"Board {i}", keywords=(f"{WORDS[i % len(WORDS)]} {TAGS[i % len(TAGS)]}", WORDS[(i + 3) % 10])
        )
        for i in range(n_boards)
    }
    queue = QueueService(engine, account_id, boards, clock, RulesPlanner(rules, TZ, random.Random(7)))
    products = ProductService(engine, account_id, clock)
    products.upsert(
        [
            ProductRecord(
                "manual",
                f"p{i}",
                f"{WORDS[i % 10].title()} {TAGS[i % len(TAGS)]} no. {i}",
                description=f"A {TAGS[i % len(TAGS)]} made by hand in our studio. Glazed in small batches.",
                link=f"https://shop.example/p/{i}",
                image_paths=(f"/photos/p{i}-a.jpg", f"/photos/p{i}-b.jpg"),
                tags=(TAGS[i % len(TAGS)], "gift" if i % 3 == 0 else "handmade"),
            )
            for i in range(n_products)
        ]
    )
    runner = LoopRunner(queue, rules.schedule, REPO / "assets")
    return Shop(
        engine, clock, account_id, boards, rules, queue, runner, LoopStore(engine, account_id, boards, clock), products
    )


@dataclass
class Outcome:
    days: int
    plan_seconds: float = 0.0  # wall-clock time in the top-ups
    plan_cpu_seconds: float = 0.0  # this process's CPU time in them (steadier on a busy machine)
    enqueue_seconds: float = 0.0  # the part of plan_seconds spent in QueueService.enqueue (when measured)
    topups: int = 0
    posted: int = 0
    per_loop: Counter[str] = field(default_factory=Counter)
    per_day: Counter[date] = field(default_factory=Counter)
    dry_days: list[date] = field(default_factory=list)  # days that ended with nothing queued
    problems: list[str] = field(default_factory=list)
    first_last: dict[str, tuple[date, date]] = field(default_factory=dict)  # loop -> first, last day posted
    product_days: dict[int, list[date]] = field(default_factory=lambda: defaultdict(list))


def run(shop: Shop, days: int, events: dict[int, list[tuple[str, str]]] | None = None) -> Outcome:
    """Simulate `days` days from the clock's date: each morning (06:00 shop time) apply the day's
    events ("out"/"in", product external id), top the loops up, then post what falls due that day."""
    out = Outcome(days)
    names = {lp.id: lp.name for lp in shop.loops.list()}
    start = shop.clock.now().astimezone(TZ).date()
    for d in range(days):
        day = start + timedelta(days=d)
        morning = datetime.combine(day, datetime.min.time(), TZ).replace(hour=6)
        shop.clock.set(as_utc(morning))
        for action, ref in (events or {}).get(d, []):
            shop.products.set_stock(ref, action == "in")
        t0, c0 = time.perf_counter(), time.process_time()
        shop.runner.top_up()
        out.plan_seconds += time.perf_counter() - t0
        out.plan_cpu_seconds += time.process_time() - c0
        out.topups += 1
        _post_until(shop, as_utc(morning + timedelta(days=1)), names, out)
        with session_scope(shop.engine) as session:
            left = session.exec(select(Pin.id).where(Pin.status == PinStatus.queued).limit(1)).first()
        if left is None:
            out.dry_days.append(day)
    out.problems += check(shop)
    return out


def _post_until(shop: Shop, until: datetime, names: dict[int | None, str], out: Outcome) -> None:
    with session_scope(shop.engine) as session:
        due = session.exec(select(Pin).where(Pin.status == PinStatus.queued, col(Pin.due_at) < until)).all()
        for pin in due:
            local = as_utc(pin.due_at).astimezone(TZ).date()
            out.posted += 1
            out.per_day[local] += 1
            name = names.get(pin.loop_id, "by hand")
            out.per_loop[name] += 1
            first, _ = out.first_last.get(name, (local, local))
            out.first_last[name] = (first, local)
            if pin.product_id is not None:
                out.product_days[pin.product_id].append(local)
        ids = [p.id for p in due]
        if ids:
            session.execute(
                update(Pin)
                .where(col(Pin.id).in_(ids))
                .values(status=PinStatus.posted, posted_at=Pin.due_at, pinterest_pin_id="sim")
            )


def check(shop: Shop) -> list[str]:
    """Every rule broken by the posted pins: cap, gaps, a photo+design twice on one board."""
    r: ScheduleRules = shop.rules.schedule
    problems: list[str] = []
    with session_scope(shop.engine) as session:
        pins = session.exec(select(Pin).where(Pin.status == PinStatus.posted).order_by(col(Pin.posted_at))).all()
        keys = {b.id: b.key for b in session.exec(select(Board)).all()}
        per_day = Counter(as_utc(p.posted_at or p.due_at).astimezone(TZ).date() for p in pins)
        for day, n in per_day.items():
            if n > r.daily_cap:
                problems.append(f"{day}: {n} pins, over the cap of {r.daily_cap}")
        times = [as_utc(p.posted_at or p.due_at) for p in pins]
        for a, b in itertools.pairwise(times):
            if b - a < timedelta(minutes=r.min_gap_minutes):
                problems.append(f"{a} and {b} are closer than {r.min_gap_minutes} min")
        by_board: dict[int, list[datetime]] = defaultdict(list)
        seen: dict[tuple[int, str, str, str], int] = {}
        for p in pins:
            by_board[p.board_id].append(as_utc(p.posted_at or p.due_at))
            key = (p.board_id, p.image_path or "", *design_key(p.template, p.variant_key))
            if key in seen:
                problems.append(
                    f"{p.image_path} {p.variant_key} twice on {keys[p.board_id]} (pins {seen[key]}, {p.id})"
                )
            seen[key] = p.id or 0
        for board, ts in by_board.items():
            for a, b in itertools.pairwise(ts):
                if b - a < timedelta(minutes=r.board_gap_minutes):
                    problems.append(f"{keys[board]}: {a} and {b} closer than {r.board_gap_minutes} min")
    return problems


def standard_loops(shop: Shop, season: tuple[str, str] = ("10-27", "12-24")) -> None:
    """Two evergreen loops and one seasonal loop, as the issue describes."""
    keys = list(shop.boards)
    shop.loops.create(LoopSpec("everything", boards=tuple(keys[:2]), every_days=30))
    shop.loops.create(
        LoopSpec("mugs", boards=(keys[2 % len(keys)],), selection={"tags": ["mug", "planter"]}, every_days=14)
    )
    shop.loops.create(
        LoopSpec(
            "christmas",
            boards=(keys[-1],),
            selection={"tags": ["gift"]},
            every_days=7,
            season_start=season[0],
            season_end=season[1],
            keywords=("christmas gifts",),
        )
    )
