"""Loops over simulated months: cap and spacing hold, fresh pins only, seasons and stock respected."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.store.db import session_scope
from pinbot.store.models import Pin
from tests.loops_support import make_shop, run, standard_loops


def _shop(engine: Engine, start: datetime, products: int = 40, boards: int = 4):  # type: ignore[no-untyped-def]
    clock = FakeClock(start)
    shop = make_shop(engine, clock, products, boards)
    standard_loops(shop)
    return shop


def test_ninety_days_keep_every_rule(engine: Engine) -> None:
    shop = _shop(engine, datetime(2026, 10, 1, 10))
    # p0 is a gift (tag "gift") in every loop: sold out on day 20, back on day 50.
    out = run(shop, 90, {20: [("out", "p0")], 50: [("in", "p0")]})
    assert out.problems == []
    assert out.dry_days == []
    assert max(out.per_day.values()) <= shop.rules.schedule.daily_cap
    # The seasonal loop starts on its first day (10-27) and stops after its last (12-24).
    first, last = out.first_last["christmas"]
    assert first == date(2026, 10, 27) and last <= date(2026, 12, 24)
    assert out.per_loop["everything"] > 0 and out.per_loop["mugs"] > 0
    # Sold out from day 20 (Oct 21) to day 50 (Nov 20): nothing of p0 goes out in between, then it returns.
    p0 = shop.products.get("p0").id
    assert p0 is not None
    days = out.product_days[p0]
    assert not [d for d in days if date(2026, 10, 21) <= d < date(2026, 11, 20)]
    assert [d for d in days if d >= date(2026, 11, 20)]
    # Titles vary: the loop's pins of one product are not word-for-word repeats.
    with session_scope(engine) as session:
        titles = session.exec(select(Pin.title).where(Pin.product_id == p0)).all()
    assert len(set(titles)) > 1


@pytest.mark.slow
def test_a_full_year(engine: Engine) -> None:
    shop = _shop(engine, datetime(2026, 1, 1, 10))
    out = run(shop, 365, {100: [("out", "p3")], 130: [("in", "p3")]})
    assert out.problems == [] and out.dry_days == []
    first, last = out.first_last["christmas"]
    assert first == date(2026, 10, 27) and last <= date(2026, 12, 24)


def test_the_service_tops_the_loops_up(engine: Engine, shop_dir: Path) -> None:
    """`Shop.daemon` (pinbot run, pinbot demo) carries a `loops` job that queues the loops' pins."""
    from pinbot.app import open_shop
    from pinbot.loops.store import LoopSpec
    from pinbot.pinterest.memory import MemoryPinterest
    from pinbot.shop.products import ProductRecord, ProductService
    from tests.pinterest_helpers import settings

    clock = FakeClock(datetime(2026, 3, 2, 9))
    env = {"PINBOT_BOARDS_DIR": str(shop_dir / "boards"), "PINBOT_ASSETS_DIR": str(shop_dir / "assets")}
    shop = open_shop(settings(**env), engine, clock)
    about = "A mug for slow mornings, thrown by hand."
    link, photos = "https://shop.example/m1", ("/photos/m1.jpg",)
    record = ProductRecord("manual", "m1", "Stoneware mug", about, link, image_paths=photos, tags=("mug",))
    ProductService(engine, shop.account_id, clock).upsert([record])
    shop.loops().create(LoopSpec("mugs", boards=("ceramics",), selection={"tags": ["mug"]}))
    daemon = shop.daemon(MemoryPinterest(clock))
    job = next(j for j in daemon.jobs if j.name == "loops")
    job.func(clock.now())
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).where(Pin.account_id == shop.account_id)).all()
    assert len(pins) == 1 and pins[0].loop_id is not None and pins[0].variant_key
    assert "handmade mug" in pins[0].title.lower()[:40] or "stoneware" in pins[0].title.lower()[:40]
    assert all(j.name != "loops" for j in shop.daemon(None, dry_run=True).jobs)


def test_a_horizon_longer_than_the_period_queues_every_turn_in_one_pass(engine: Engine) -> None:
    from collections import defaultdict

    from pinbot.clock import as_utc
    from pinbot.loops.store import LoopSpec
    from pinbot.queue.lint import design_key

    shop = make_shop(engine, FakeClock(datetime(2026, 3, 2, 11)), 6, 2)
    shop.loops.create(LoopSpec("weekly", boards=("board0", "board1"), every_days=7, ahead_days=60))
    result = shop.runner.top_up()
    with session_scope(engine) as session:
        pins = session.exec(select(Pin)).all()
    assert result.created == len(pins) > 12  # more than one turn per product and board
    turns: dict[tuple[int, int], list[datetime]] = defaultdict(list)
    looks: set[tuple[int, str, str, str]] = set()
    for pin in pins:
        assert pin.product_id is not None
        turns[(pin.product_id, pin.board_id)].append(as_utc(pin.due_at))
        look = (pin.board_id, pin.image_path or "", *design_key(pin.template, pin.variant_key))
        assert look not in looks  # a fresh photo+design every turn
        looks.add(look)
    assert max(len(t) for t in turns.values()) >= 5
    for times in turns.values():  # each turn at least a period after the one before, on its board
        times.sort()
        assert all((b - a).days >= 7 for a, b in itertools.pairwise(times))
    last = max(max(t) for t in turns.values())
    assert last <= as_utc(datetime(2026, 3, 2, 11)) + timedelta(days=61)  # a day past the horizon at most
