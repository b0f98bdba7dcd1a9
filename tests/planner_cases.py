"""Planner scenarios whose placements must not change when the planner is made faster: two rule
sets, two time zones (each with a DST change inside the span), three seeds, thousands of items
(products on several boards, explicit times, not-before times, links on three domains and none),
placed into an existing queue of queued pins (some at explicit times outside the windows),
pins being posted and pins posted inside the lookback, and pins the load must leave out (failed,
cancelled, posted long ago). `tests/test_planner_same.py` holds the digests of main's placements."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pinbot.queue.planner import Item
from pinbot.shop.rules import ScheduleRules, Window
from pinbot.store.models import PinStatus

RULE_SETS = {
    "default": ScheduleRules(),
    "tight": ScheduleRules(
        windows=(Window(time(7, 30), time(9, 0)), Window(time(18, 0), time(21, 45))),
        days=("mon", "tue", "wed", "thu", "fri", "sat"),
        daily_cap=9,
        min_gap_minutes=11,
        board_gap_minutes=75,
        same_link_hours=30,
        domain_burst_limit=3,
        domain_burst_minutes=100,
        jitter_minutes=7,
        board_interval_days=3,
    ),
}
# (zone, now): a few weeks before a DST change, so the plans cross it
ZONES = {
    "new_york": (ZoneInfo("America/New_York"), datetime(2026, 2, 20, 16, 7, 31, 250_000, tzinfo=UTC)),
    "london": (ZoneInfo("Europe/London"), datetime(2026, 10, 4, 5, 59, 2, 999_999, tzinfo=UTC)),
}
SEEDS = (1, 2, 3)
DOMAINS = ("shop.example.com", "blog.example.com", "other.example.org")


@dataclass(frozen=True)
class Row:
    """A pin already in the database, as the planner's load sees it."""

    status: PinStatus
    due_at: datetime  # UTC
    posted_at: datetime | None
    board: int
    link: str
    explicit: bool = False


@dataclass(frozen=True)
class Case:
    name: str
    rules: ScheduleRules
    tz: ZoneInfo
    now: datetime
    seed: int
    rows: tuple[Row, ...]
    items: tuple[Item, ...]


def _link(rng: random.Random, products: int) -> str:
    if rng.random() < 0.08:
        return ""
    return f"https://{rng.choice(DOMAINS)}/p/{rng.randrange(products)}?utm_source=pinbot"


def _rows(rng: random.Random, rules: ScheduleRules, tz: ZoneInfo, now: datetime) -> list[Row]:
    rows: list[Row] = []
    for _ in range(60):  # posted in the lookback, being posted, and long ago (left out)
        ago = timedelta(minutes=rng.randrange(1, 60 * 60))
        status = rng.choice([PinStatus.posted, PinStatus.posted, PinStatus.posting])
        posted = now - ago if status == PinStatus.posted else None
        due = now - ago - timedelta(minutes=rng.randrange(0, 300))
        rows.append(Row(status, due, posted, rng.randrange(8), _link(rng, 200)))
    for _ in range(10):  # posted late: due before the lookback, posted inside it
        rows.append(Row(PinStatus.posted, now - timedelta(days=9), now - timedelta(hours=3), 1, _link(rng, 200)))
    for _ in range(1500):  # the queue: mostly inside the windows, some explicit times anywhere
        explicit = rng.random() < 0.1
        day = now + timedelta(days=rng.randrange(0, 120))
        local = day.astimezone(tz)
        if explicit:
            at = local.replace(hour=rng.randrange(24), minute=rng.randrange(60), second=rng.randrange(60))
        else:
            w = rng.choice(rules.windows)
            at = datetime.combine(local.date(), w.start, tz) + timedelta(seconds=rng.randrange(3600))
        status = rng.choice([PinStatus.queued] * 8 + [PinStatus.failed, PinStatus.cancelled])
        rows.append(Row(status, at.astimezone(UTC), None, rng.randrange(8), _link(rng, 200), explicit))
    return rows


def _items(rng: random.Random, now: datetime, count: int) -> list[Item]:
    items: list[Item] = []
    while len(items) < count:
        roll = rng.random()
        link = _link(rng, 400)
        if roll < 0.3:  # one product on several boards
            group = f"g{len(items)}"
            for board in rng.sample(range(8), rng.randrange(2, 6)):
                items.append(Item(board=board, link=link, group=group))
        elif roll < 0.35:  # an explicit time
            at = now + timedelta(minutes=rng.randrange(0, 60 * 24 * 60), microseconds=rng.randrange(10**6))
            items.append(Item(board=rng.randrange(8), link=link, at=at))
        elif roll < 0.5:  # not before a time
            nb = now + timedelta(minutes=rng.randrange(0, 60 * 24 * 200), seconds=rng.randrange(60))
            items.append(Item(board=rng.randrange(8), link=link, not_before=nb))
        else:
            items.append(Item(board=rng.randrange(8), link=link, group=rng.choice(["", "", f"p{len(items) % 97}"])))
    return items


def cases(count: int = 2500) -> Iterator[Case]:
    for rules_name, rules in RULE_SETS.items():
        for zone_name, (tz, now) in ZONES.items():
            for seed in SEEDS:
                rng = random.Random(f"{rules_name}/{zone_name}/{seed}")
                rows = tuple(_rows(rng, rules, tz, now))
                items = tuple(_items(rng, now, count))
                yield Case(f"{rules_name}-{zone_name}-{seed}", rules, tz, now, seed, rows, items)


def lookback(rules: ScheduleRules) -> timedelta:
    return timedelta(hours=max(rules.same_link_hours, 24), minutes=rules.domain_burst_minutes)


def loaded(rows: tuple[Row, ...], since: datetime) -> list[tuple[datetime, int, str]]:
    """What main's `load_slots` reads: active pins due or posted since `since`, at (posted or due)."""
    active = (PinStatus.queued, PinStatus.posting, PinStatus.posted)
    return [
        (r.posted_at or r.due_at, r.board, r.link)
        for r in rows
        if r.status in active and (r.due_at >= since or (r.posted_at is not None and r.posted_at >= since))
    ]


def digest(times: list[datetime]) -> str:
    text = "\n".join(t.astimezone(UTC).isoformat() for t in times)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def now_of(case: Case) -> datetime:
    return case.now.replace(tzinfo=UTC) if case.now.tzinfo is None else case.now
