"""Loops over simulated months: cap and spacing hold, fresh pins only, seasons and stock respected."""

from __future__ import annotations

from datetime import date, datetime

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
