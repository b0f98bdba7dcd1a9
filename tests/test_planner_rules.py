"""Every posting rule holds on the planner's output, over many random cases: random rules (windows
near the hours clocks change, some days off, tight and loose caps, gaps, bursts and jitter), an
existing queue, products on several boards, explicit and not-before times, in time zones with a
clock change inside the span (London, Lord Howe's half hour, St John's at -3:30) and without one
(Kolkata at +5:30). The checks read only the output and the rules, never the planner's indexes."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from pinbot.links import domain_of, link_key
from pinbot.queue.planner import Item, Slot, place
from pinbot.shop.rules import ScheduleRules, Window

# (zone, a clock change in it, or any day when it has none)
ZONES = (
    ("Europe/London", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 10, 25, 1, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 15, 0, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
    ("America/St_Johns", datetime(2026, 3, 8, 5, 30, tzinfo=UTC)),
    ("America/St_Johns", datetime(2026, 11, 1, 4, 30, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 6, 1, 0, 0, tzinfo=UTC)),
)
TOL = 1  # seconds: see _check
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DOMAINS = ("shop.example.com", "blog.example.com", "other.example.org")


@dataclass(frozen=True)
class Pin:
    at: datetime
    board: int
    link: str
    domain: str
    placed: bool  # by the rules (not an existing pin nor an explicit time)


def _rules(rng: random.Random) -> ScheduleRules:
    # Windows from a few starting hours, some around 00:00-03:00 where clocks change.
    starts = sorted(rng.sample(range(0, 22), rng.randrange(1, 4)))
    windows = []
    for i, h in enumerate(starts):
        limit = starts[i + 1] * 60 if i + 1 < len(starts) else 23 * 60 + 59
        begin = h * 60 + rng.choice([0, 15, 30])
        end = min(limit, begin + rng.randrange(30, 300))
        if end > begin:
            windows.append(Window(time(begin // 60, begin % 60), time(end // 60, end % 60)))
    return ScheduleRules(
        windows=tuple(windows),
        days=tuple(d for d in DAYS if rng.random() < 0.8) or ("wed",),
        daily_cap=rng.choice([1, 3, 8, 15, 40]),
        min_gap_minutes=rng.choice([0, 5, 20, 45]),
        board_gap_minutes=rng.choice([0, 30, 120, 300]),
        same_link_hours=rng.choice([0, 24, 48, 72]),
        domain_burst_limit=rng.choice([1, 2, 4]),
        domain_burst_minutes=rng.choice([1, 60, 180]),
        jitter_minutes=rng.choice([0, 5, 12, 30]),
        board_interval_days=rng.choice([1, 3, 7]),
    )


def _link(rng: random.Random) -> str:
    return "" if rng.random() < 0.1 else f"https://{rng.choice(DOMAINS)}/p/{rng.randrange(40)}"


def _case(seed: int) -> tuple[ScheduleRules, ZoneInfo, datetime, list[Slot], list[Item]]:
    rng = random.Random(seed)
    zone, change = ZONES[seed % len(ZONES)]
    ago = timedelta(days=rng.randrange(0, 10), minutes=rng.randrange(0, 1440), microseconds=rng.randrange(10**6))
    now = change - ago
    existing = [
        Slot.of(now + timedelta(minutes=rng.randrange(-600, 60 * 24 * 25)), rng.randrange(5), _link(rng))
        for _ in range(rng.randrange(0, 60))
    ]
    items: list[Item] = []
    while len(items) < 120:
        roll = rng.random()
        if roll < 0.25:  # one product on several boards
            link = _link(rng)
            for board in rng.sample(range(5), rng.randrange(2, 5)):
                items.append(Item(board, link, f"g{len(items)}"))
        elif roll < 0.3:
            at = now + timedelta(minutes=rng.randrange(0, 60 * 24 * 20), microseconds=rng.randrange(10**6))
            items.append(Item(rng.randrange(5), _link(rng), rng.choice(["", f"g{len(items) - 1}"]), at=at))
        elif roll < 0.45:
            nb = now + timedelta(minutes=rng.randrange(0, 60 * 24 * 20), seconds=rng.randrange(60))
            items.append(Item(rng.randrange(5), _link(rng), not_before=nb))
        else:
            items.append(Item(rng.randrange(5), _link(rng)))
    return _rules(rng), ZoneInfo(zone), now, existing, items


def _check(
    rules: ScheduleRules, tz: ZoneInfo, now: datetime, existing: list[Slot], items: list[Item], times: list[datetime]
) -> None:
    # A due time is cut to the whole second after it is found: a bound met by an instant off the
    # whole second (now, a not-before or explicit time, an existing pin) may be missed by < 1 s.
    tol = timedelta(seconds=TOL)
    pins = [Pin(s.at, s.board, s.link, s.domain, False) for s in existing]
    pins += [
        Pin(t, i.board, link_key(i.link), domain_of(i.link) if i.link else "", i.at is None)
        for i, t in zip(items, times, strict=True)
    ]
    per_day = Counter(p.at.astimezone(tz).date() for p in pins)
    gaps = (
        timedelta(minutes=rules.min_gap_minutes),
        timedelta(minutes=rules.board_gap_minutes),
        timedelta(hours=rules.same_link_hours),
    )
    for item, t in zip(items, times, strict=True):
        if item.at is not None:
            assert t == item.at  # an explicit time overrides every rule
            continue
        assert t >= now - tol and (item.not_before is None or t >= item.not_before - tol)
        local = t.astimezone(tz)
        assert DAYS[local.weekday()] in rules.days, local
        assert any(w.start <= local.time() < w.end for w in rules.windows), (local, rules.windows)
        assert per_day[local.date()] <= rules.daily_cap, local
    for p in pins:
        if not p.placed:
            continue
        for q in pins:
            if q is p:
                continue
            apart = abs(p.at - q.at) + tol
            assert apart >= gaps[0], (p, q)
            assert q.board != p.board or apart >= gaps[1], (p, q)
            assert not p.link or q.link != p.link or apart >= gaps[2], (p, q)
    # The burst: no span of domain_burst_minutes holding a pin the rules placed holds more than
    # the limit of one domain's pins (the fullest such span starts at a pin).
    span = timedelta(minutes=rules.domain_burst_minutes)
    by_domain: dict[str, list[Pin]] = defaultdict(list)
    for p in pins:
        if p.domain:
            by_domain[p.domain].append(p)
    for group in by_domain.values():
        group.sort(key=lambda p: p.at)
        for i, first in enumerate(group):
            inside = [p for p in group[i:] if p.at < first.at + span - tol]
            if any(p.placed for p in inside):
                assert len(inside) <= rules.domain_burst_limit, inside
    # One product's boards: each at least board_interval_days after the one before it.
    interval = timedelta(days=rules.board_interval_days)
    last: dict[str, datetime] = {}
    for item, t in zip(items, times, strict=True):
        if item.group:
            if item.group in last and item.at is None:
                assert t >= last[item.group] + interval - tol, (item, t, last[item.group])
            last[item.group] = max(last.get(item.group, t), t) if item.at is not None else t


@pytest.mark.parametrize("seed", range(70))
def test_every_rule_holds_on_random_cases(seed: int) -> None:
    rules, tz, now, existing, items = _case(seed)
    times = place(rules, tz, existing, items, now, random.Random(seed))
    _check(rules, tz, now, existing, items, times)
