"""The planner: windows in the shop's timezone, daily cap, spacing per shop, board, link and
domain, jitter, boards of one product days apart, explicit times kept. Pure and FakeClock-driven."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from pinbot.clock import FakeClock
from pinbot.errors import InvalidInput
from pinbot.links import link_key
from pinbot.queue.planner import Item, RulesPlanner, Slot, place
from pinbot.queue.service import PinRequest
from pinbot.shop.rules import Rules, ScheduleRules, Window
from pinbot.store.db import session_scope
from pinbot.store.models import Pin
from tests.helpers import make_photo
from tests.scheduler_support import make_shop

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # Sunday 22:00 in New York
RULES = ScheduleRules()


def check(rules: ScheduleRules, tz: ZoneInfo, items: list[Item], times: list[datetime]) -> None:
    """Every rule holds between every pair of placed pins."""
    slots = [Slot.of(t, i.board, i.link) for i, t in zip(items, times, strict=True)]
    per_day = Counter(s.at.astimezone(tz).date() for s in slots)
    assert max(per_day.values()) <= rules.daily_cap
    for s in slots:
        local = s.at.astimezone(tz)
        assert local.strftime("%a").lower() in rules.days
        assert any(w.start <= local.time() < w.end for w in rules.windows), local
    for a in slots:
        for b in slots:
            if a is b:
                continue
            gap = abs(a.at - b.at)
            assert gap >= timedelta(minutes=rules.min_gap_minutes)
            if a.board == b.board:
                assert gap >= timedelta(minutes=rules.board_gap_minutes)
            if a.link and a.link == b.link:
                assert gap >= timedelta(hours=rules.same_link_hours)
    for s in slots:
        near = [
            o
            for o in slots
            if o.domain == s.domain and s.at <= o.at < s.at + timedelta(minutes=rules.domain_burst_minutes)
        ]
        assert len(near) <= rules.domain_burst_limit


def test_many_pins_keep_every_rule() -> None:
    items = [Item(board=i % 3, link=f"https://shop.example/p/{i % 7}", group=f"g{i}") for i in range(60)]
    times = place(RULES, NY, [], items, NOW, random.Random(3))
    check(RULES, NY, items, times)
    assert min(times) >= NOW
    assert len(set(times)) == 60


def test_windows_and_days_are_local_time() -> None:
    rules = ScheduleRules(windows=(Window(time(9, 0), time(10, 0)),), days=("sat",), jitter_minutes=0)
    (t,) = place(rules, NY, [], [Item(board=1)], NOW, random.Random(0))
    assert t.astimezone(NY) == datetime(2026, 3, 7, 9, 0, tzinfo=NY)  # the next Saturday 09:00 in New York


def test_dst_change_keeps_the_local_window() -> None:
    rules = ScheduleRules(windows=(Window(time(9, 0), time(9, 30)),), daily_cap=1, jitter_minutes=0)
    times = place(rules, NY, [], [Item(board=i) for i in range(14)], NOW, random.Random(0))
    assert {t.astimezone(NY).time() for t in times} == {time(9, 0)}  # 14:00 UTC before 8 March, 13:00 after
    assert {t.hour for t in times} == {13, 14}


def test_daily_cap_counts_existing_pins() -> None:
    rules = ScheduleRules(daily_cap=3, jitter_minutes=0)
    day = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # Monday 08:00 NY
    existing = [Slot.of(day + timedelta(hours=h), 9, "") for h in (0, 1, 2)]
    (t,) = place(rules, NY, existing, [Item(board=1)], day, random.Random(0))
    assert t.astimezone(NY).date() == datetime(2026, 3, 3).date()


def test_same_link_waits_48_hours_even_across_boards() -> None:
    link = "https://shop.example/ring?utm_source=x"
    existing = [Slot.of(NOW + timedelta(hours=12), 1, "https://shop.example/ring/")]
    (t,) = place(RULES, NY, existing, [Item(board=2, link=link)], NOW, random.Random(0))
    assert t >= NOW + timedelta(hours=60)
    assert link_key(link) == link_key("https://www.shop.example/ring/") == "shop.example/ring"


def test_domain_burst_is_limited() -> None:
    rules = ScheduleRules(
        domain_burst_limit=2,
        domain_burst_minutes=120,
        min_gap_minutes=1,
        board_gap_minutes=0,
        jitter_minutes=0,
        daily_cap=100,
    )
    items = [Item(board=i, link=f"https://shop.example/p/{i}") for i in range(6)]
    times = place(rules, NY, [], items, NOW, random.Random(0))
    check(rules, NY, items, times)


def test_boards_of_one_product_are_days_apart_in_order() -> None:
    items = [Item(board=b, link="https://shop.example/lamp", group="lamp") for b in range(4)]
    times = place(RULES, NY, [], items, NOW, random.Random(5))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(timedelta(days=7) <= g < timedelta(days=8) for g in gaps), gaps


def test_explicit_time_is_kept_and_others_keep_their_distance() -> None:
    fixed = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 NY
    items = [Item(board=1, at=fixed), Item(board=1), Item(board=2, at=fixed + timedelta(minutes=1))]
    times = place(RULES, NY, [], items, NOW, random.Random(0))
    assert times[0] == fixed and times[2] == fixed + timedelta(minutes=1)  # --at overrides every rule
    assert abs(times[1] - fixed) >= timedelta(minutes=RULES.board_gap_minutes)


def test_jitter_moves_times_within_the_window() -> None:
    items = [Item(board=1)]
    t0 = place(ScheduleRules(jitter_minutes=0), NY, [], items, NOW, random.Random(0))[0]
    jittered = {place(RULES, NY, [], items, NOW, random.Random(s))[0] for s in range(8)}
    assert len(jittered) > 1 and all(t0 <= t <= t0 + timedelta(minutes=RULES.jitter_minutes) for t in jittered)


def test_rules_planner_through_the_queue(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    shop = make_shop(engine, clock, tmp_path)
    planner = RulesPlanner(Rules(), NY, random.Random(1))
    q = shop.queue(planner)
    req = PinRequest(
        boards=("mugs", "jewelry", "untagged"),
        title="Lamp",
        link="https://shop.example/lamp",
        image=str(shop.photo),
        source_key="lamp",
    )
    q.enqueue([req])
    cup_photo = make_photo(tmp_path / "cup.jpg")
    q.enqueue(
        [
            PinRequest(
                boards=("mugs",), title="Cup", link="https://shop.example/cup", image=str(cup_photo), source_key="cup"
            )
        ]
    )
    with session_scope(engine) as session:
        pins = session.exec(select(Pin).order_by(Pin.id)).all()  # type: ignore[arg-type]
    lamp = [p.due_at for p in pins if p.title == "Lamp"]
    assert all(b - a >= timedelta(days=7) for a, b in itertools.pairwise(lamp))
    cup = next(p for p in pins if p.title == "Cup")
    assert abs(cup.due_at - lamp[0]) >= timedelta(minutes=Rules().schedule.board_gap_minutes)  # a later enqueue
    assert all(p.due_at >= clock.now() for p in pins)


def test_rules_planner_lint_refuses_and_writes_nothing(engine: Engine, clock: FakeClock, tmp_path: Path) -> None:
    shop = make_shop(engine, clock, tmp_path)
    q = shop.queue(RulesPlanner(Rules(), NY))
    with pytest.raises(InvalidInput, match="link shortener"):
        q.enqueue([PinRequest(boards=("mugs", "jewelry"), title="x", link="https://bit.ly/abc", image=str(shop.photo))])
    with session_scope(engine) as session:
        assert session.exec(select(Pin)).all() == []


@pytest.mark.parametrize("seed", range(6))
def test_remembered_full_spans_change_no_placement(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner skips spans it already proved full (so big imports stay linear); on a mixed
    batch with existing pins, the result must equal a search that starts from scratch each time."""
    from pinbot.queue import planner

    rng = random.Random(seed)
    tz = ZoneInfo("Europe/London")
    rules = ScheduleRules(daily_cap=rng.choice([3, 8, 15]), jitter_minutes=rng.choice([0, 12]))
    now = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)  # a DST change inside the span, too
    domains = ["shop.example.com", "blog.example.com", "other.example.org"]
    existing = [
        Slot.of(
            now + timedelta(minutes=rng.randrange(0, 60 * 24 * 20)),
            rng.randrange(4),
            f"https://{rng.choice(domains)}/p{rng.randrange(30)}",
        )
        for _ in range(40)
    ]
    items = [
        Item(
            board=rng.randrange(4),
            link=f"https://{rng.choice(domains)}/p{rng.randrange(60)}",
            group=rng.choice(["", "", f"g{rng.randrange(5)}"]),
        )
        for _ in range(150)
    ]
    fast = place(rules, tz, existing, items, now, random.Random(seed))

    walk = planner.Schedule._walk

    def from_scratch(self: planner.Schedule, start: int, board: int, domain: str) -> int:
        self._frontier.clear()  # every search walks from its start, nothing skipped
        self._found.clear()  # nor any walk's result taken again
        return walk(self, start, board, domain)

    monkeypatch.setattr(planner.Schedule, "_walk", from_scratch)
    slow = place(rules, tz, existing, items, now, random.Random(seed))
    assert fast == slow
    check(rules, tz, items, fast)
