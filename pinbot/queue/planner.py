"""When each pin goes out: the posting rules applied to the existing schedule.

Owns the placement of new queue items (the `Planner` protocol of `pinbot.queue.service`): posting windows
and allowed days in the shop's timezone, the daily cap, the gap between any two pins, per board,
per link (>= 48 h) and per domain (burst limit), jitter, and the interval between the boards of one
product. `place` is a pure function of (rules, timezone, existing schedule, new items, now, rng);
`RulesPlanner` only loads the existing schedule and runs the pre-publish lint before placing.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, func, type_coerce
from sqlalchemy.types import NullType
from sqlmodel import Session, col, select

from pinbot.clock import as_utc
from pinbot.queue.schedule import DAY, MINUTE, SECOND, Schedule, Slot, from_us, link_parts, to_us
from pinbot.queue.service import PinDraft
from pinbot.shop.rules import Rules, ScheduleRules
from pinbot.store.models import Pin, PinStatus

ACTIVE = (PinStatus.queued, PinStatus.posting, PinStatus.posted)
_US = timedelta(microseconds=1)
_TWO_53_INT = 2**53
_TWO_53 = float(_TWO_53_INT)


class Item(NamedTuple):
    """A new pin to place. Items of one `group` (one product on several boards) are spread
    `board_interval_days` apart in the order given. A tuple: an import builds 100,000 of them."""

    board: int
    link: str = ""
    group: str = ""
    at: datetime | None = None  # explicit time (`--at`): kept as is
    not_before: datetime | None = None  # placed by the rules, but not earlier than this


def place(
    rules: ScheduleRules,
    tz: ZoneInfo,
    existing: Iterable[Slot],
    items: Sequence[Item],
    now: datetime,
    rng: random.Random,
) -> list[datetime]:
    """Due times (UTC) for `items`, in order, that keep every rule against `existing` and each other."""
    return place_into(Schedule(rules, tz, existing), items, now, rng)


def place_into(sched: Schedule, items: Sequence[Item], now: datetime, rng: random.Random) -> list[datetime]:
    """`place` on a schedule already loaded; the placed items are added to it."""
    rules = sched.rules
    now_at = to_us(as_utc(now))
    interval = rules.board_interval_days * DAY
    jitter = rules.jitter_minutes * MINUTE
    out: list[int | None] = [None] * len(items)
    # Explicit times first: they are fixed, and the others must keep their distance from them.
    fixed: dict[int, int] = {}
    for i, item in enumerate(items):
        if item.at is not None:
            out[i] = fixed[i] = to_us(as_utc(item.at))
            sched.add_at(fixed[i], item.board, *link_parts(item.link))
    group_base: dict[str, int] = {}
    group_index: dict[str, int] = {}
    group_last: dict[str, int] = {}
    last_not_before: datetime | None = None
    last_not_before_at = 0
    # (bound once: this loop runs once per pin of a 100,000-row import)
    earliest, window_end, free_at, add_placed = sched.earliest, sched.window_end, sched.free_at, sched.add_placed
    draw = rng.random
    epoch = from_us(0)
    # A group of one item is a pin of its own (each row of most imports): no group bookkeeping.
    shared = {group for group, count in Counter(item.group for item in items).items() if count > 1 and group}
    parts: dict[str, tuple[str, str]] = {}  # link_parts, without the cache's call
    for i, (board, raw_link, group, at, not_before) in enumerate(items):
        if group in shared:
            index = group_index.get(group, 0)
            group_index[group] = index + 1
            if at is not None:
                at_us = fixed[i]
                group_base.setdefault(group, at_us - interval * index)
                group_last[group] = max(group_last.get(group, at_us), at_us)
                continue
            base = group_base.get(group)
            last = group_last.get(group)
        elif at is not None:
            continue
        else:  # a pin of its own: the first and last of its group
            index, base, last = 0, None, None
        start = now_at if base is None else max(now_at, base + interval * index)
        if not_before is not None:
            if not_before is not last_not_before:  # an import's pins share one (the time it runs)
                last_not_before, last_not_before_at = not_before, to_us(as_utc(not_before))
            if last_not_before_at > start:
                start = last_not_before_at
        if last is not None and last + interval > start:
            start = last + interval  # jitter may have put the previous board late: keep the full interval
        link_domain = parts.get(raw_link)
        if link_domain is None:
            link_domain = parts[raw_link] = link_parts(raw_link)
        link, domain = link_domain
        t = earliest(start, board, link, domain)
        if jitter:
            room = window_end(t) - t
            if room > jitter:
                room = jitter
            if room > 0:
                # A jittered time must break no rule: t is free, a later time may not be (a pin
                # ahead within a gap, a burst reaching it). Then one more draw nearer t, and t
                # itself if that clashes too: never a search past the jitter (it left holes
                # the next pins clashed into, and cost a second search for most pins).
                jittered = t + _share(room, draw())
                if not free_at(jittered, board, link, domain):
                    jittered = t + _share(jittered - t, draw())
                    if not free_at(jittered, board, link, domain):
                        jittered = t
                t = jittered
        t -= t % SECOND
        if group in shared:
            if base is None:
                group_base[group] = t - interval * index
            group_last[group] = t
        out[i] = t
        add_placed(t, board, link, domain)
    # from_us, inline; a placed time is on the whole second, made from the seconds in one call
    fromtimestamp = datetime.fromtimestamp
    return [
        fromtimestamp(t // SECOND, UTC) if not t % SECOND else epoch + timedelta(microseconds=t)
        for t in out
        if t is not None
    ]


def _share(room: int, x: float) -> int:
    """`room` microseconds times x in [0, 1), rounded to the microsecond as timedelta * float
    rounds (to the nearest, a half to even), in int arithmetic: `random()` is a multiple of
    2**-53, so room * x is (room * k) / 2**53 exactly."""
    k = int(x * _TWO_53)
    if k != x * _TWO_53:  # not a multiple of 2**-53 (a random() of another kind)
        return (timedelta(microseconds=room) * x) // _US
    q, r = divmod(room * k, _TWO_53_INT)
    if 2 * r > _TWO_53_INT or (2 * r == _TWO_53_INT and q & 1):
        q += 1
    return q


def group_of(pin: Pin | PinDraft) -> str:
    """One request on several boards shares everything in its source key but the board."""
    key = pin.source_key
    if key and "#" in key:
        return key.rpartition("#")[0]
    if pin.product_id is not None:
        return f"product:{pin.product_id}"
    return pin.source_key or ""


def lookback(rules: ScheduleRules) -> timedelta:
    """How far back the pins already out still count against a new one (same link, bursts, the day)."""
    return timedelta(hours=max(rules.same_link_hours, 24), minutes=rules.domain_burst_minutes)


def load_schedule(session: Session, account_id: int, rules: ScheduleRules, tz: ZoneInfo, now: datetime) -> Schedule:
    """The account's schedule from the lookback on: queued, posting and posted pins, at the time
    they went out or are due. Plain rows, not ORM objects: a queue may hold 100,000 pins."""
    since = as_utc(now) - lookback(rules)
    # Plain Core rows on the session's connection: no ORM row processing, no flush of the new,
    # unplaced pins already in the session (costs that were most of loading a queue of 100,000).
    # The time a pin went out, else when it is due, as the driver gives it: converted below, a
    # column at a time, as SQLAlchemy's DateTime would (its processor called per row cost more
    # than the query).
    connection = session.connection()
    at = type_coerce(func.coalesce(col(Pin.posted_at), col(Pin.due_at)), NullType())
    rows = connection.execute(
        select(at, col(Pin.board_id), col(Pin.link)).where(
            Pin.account_id == account_id,
            col(Pin.status).in_(ACTIVE),
            (col(Pin.due_at) >= since) | (col(Pin.posted_at) >= since),
        )
    ).all()
    sched = Schedule(rules, tz)
    if not rows:
        return sched
    dialect = connection.dialect
    read = DateTime().dialect_impl(dialect).result_processor(dialect, None)
    stamps, boards, links = (list(map(itemgetter(i), rows)) for i in range(3))
    sched.load(list(map(to_us, stamps if read is None else map(read, stamps))), boards, links)
    return sched


class RulesPlanner:
    """The `Planner` the CLI wires into the queue service: lint, then place by the rules."""

    def __init__(self, rules: Rules, tz: ZoneInfo, rng: random.Random | None = None) -> None:
        self.rules = rules
        self.tz = tz
        self.rng = rng or random.Random()

    def schedule(self, session: Session, account_id: int, pins: Sequence[PinDraft], now: datetime) -> None:
        from pinbot.queue.lint import lint_new_pins

        if not pins:
            return
        sched = load_schedule(session, account_id, self.rules.schedule, self.tz, now)
        # Made as tuples of Item's fields in order: Item(...) is a Python call, once per pin
        make = tuple.__new__
        items = [
            make(Item, (pin.board_id, pin.link, group_of(pin), pin.due_at, None))
            if pin.explicit_time
            else make(Item, (pin.board_id, pin.link, group_of(pin), None, pin.due_at))
            for pin in pins
        ]
        for pin, due in zip(pins, place_into(sched, items, now, self.rng), strict=True):
            pin.due_at = due
        # After placing, on the pins that will be written: a pin the rules can only place after its
        # `not_after` is not queued, so it cannot clash with anything (the lint reads no due times).
        kept = [p for p in pins if p.not_after is None or p.due_at <= p.not_after]
        lint_new_pins(session, account_id, kept, self.rules.schedule)

    def slot(self, session: Session, account_id: int, board_id: int, link: str, now: datetime) -> datetime:
        """The first time from `now` one more pin on `board_id` with `link` keeps every rule (a
        pin queued again: due "now" went out an hour after another pin with the same link)."""
        sched = load_schedule(session, account_id, self.rules.schedule, self.tz, now)
        return place_into(sched, [Item(board_id, link, "", None, now)], now, self.rng)[0]


def day_capacity(rules: ScheduleRules, tz: ZoneInfo, domains: int) -> int:
    """How many pins the rules let out on one empty allowed day, at most: placed as early as the
    gaps and each domain's burst limit allow (no jitter), links spread over `domains` domains. A
    loop asks for no more than this per day (more would land past its horizon and be dropped)."""
    day = date(2001, 1, 1)
    while day.weekday() not in rules.weekdays:
        day += timedelta(days=1)
    start = datetime.combine(day, datetime.min.time(), tz)
    end = start + timedelta(days=1)
    quiet = dataclasses.replace(rules, jitter_minutes=0)
    n = max(1, domains)
    items = [Item(board=i, link=f"https://d{i % n}.example/{i}") for i in range(rules.daily_cap)]
    times = place(quiet, tz, (), items, start, random.Random(0))
    return sum(1 for t in times if t < end)
