"""A seasonal loop started from a Pinterest trend, end to end: the emulator's seasonal trend gives
the season (from 50 days before its peak week to that week's end), and a simulated autumn shows the
loop's pins start on the season's first day, stop by its last, and carry the trend's words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.emulator import Emulator
from pinbot.loops.season import season_from_trend
from pinbot.loops.store import LoopSpec
from pinbot.store.db import session_scope
from pinbot.store.models import Pin
from tests.loops_support import make_shop, run
from tests.test_emulator_client import make_client


def test_a_seasonal_loop_from_a_trend_runs_in_its_season(engine: Engine) -> None:
    clock = FakeClock(datetime(2026, 9, 1, 10))
    with Emulator("4242", "client-test-secret", tier="standard", clock=clock, seed=5) as emu:
        client = make_client(emu, engine, clock)
        start, end, keyword = season_from_trend(client, "handmade christmas ornaments", "US", 50)
    assert keyword == "handmade christmas ornaments"
    peak_start = date.fromisoformat(f"2026-{start}")
    assert start.startswith(("10-", "11-")) and end.startswith("12-")
    shop = make_shop(engine, clock, 12, 2)
    shop.loops.create(
        LoopSpec(
            "ornaments",
            boards=(next(iter(shop.boards)),),
            selection={"tags": ["gift"]},
            every_days=7,
            season_start=start,
            season_end=end,
            keywords=(keyword,),
        )
    )
    out = run(shop, 130)  # Sep 1 to Jan 8: before, during and after the season
    assert out.problems == [] and out.posted > 0
    first, last = out.first_last["ornaments"]
    assert first == peak_start
    assert last <= date.fromisoformat(f"2026-{end}")
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).where(Pin.loop_id.is_not(None))).all()  # type: ignore[union-attr]
    assert pins and all("christmas ornaments" in (p.title + " " + p.description).lower() for p in pins)
    days = {p.due_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("America/New_York")).date() for p in pins}
    assert min(days) >= peak_start
