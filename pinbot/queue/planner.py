"""When each pin goes out: the posting rules applied to the existing schedule.

Owns the placement of new queue items (the `Planner` protocol of `pinbot.queue.service`): posting windows
and allowed days in the shop's timezone, the daily cap, the gap between any two pins, per board,
per link (>= 48 h) and per domain (burst limit), jitter, and the interval between the boards of one
product. `place` is a pure function of (rules, timezone, existing schedule, new items, now, rng);
`RulesPlanner` only loads the existing schedule and runs the pre-publish lint before placing.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import tzinfo as tzinfo_t
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput
from pinbot.links import domain_of, link_key
from pinbot.queue.service import PinDraft
from pinbot.shop.rules import Rules, ScheduleRules
from pinbot.store.models import Pin, PinStatus

ACTIVE = (PinStatus.queued, PinStatus.posting, PinStatus.posted)
_MAX_STEPS = 20_000


@dataclass(frozen=True)
class Slot:
    """One pin in the schedule, reduced to what the rules look at."""

    at: datetime  # UTC
    board: int
    link: str = ""  # link_key()
    domain: str = ""

    @classmethod
    def of(cls, at: datetime, board: int, link: str) -> Slot:
        return cls(as_utc(at), board, *_link_parts(link))


@functools.lru_cache(maxsize=4096)
def _link_parts(link: str) -> tuple[str, str]:
    """(link_key, domain) of a link: parsed once, as every pass reads the same links again."""
    return link_key(link), domain_of(link) if link else ""


@dataclass(frozen=True)
class Item:
    """A new pin to place. Items of one `group` (one product on several boards) are spread
    `board_interval_days` apart in the order given."""

    board: int
    link: str = ""
    group: str = ""
    at: datetime | None = None  # explicit time (`--at`): kept as is
    not_before: datetime | None = None  # placed by the rules, but not earlier than this


class Schedule:
    """The taken slots, indexed for the rules' range queries."""

    def __init__(self, rules: ScheduleRules, tz: ZoneInfo, slots: Iterable[Slot] = ()) -> None:
        self.rules = rules
        self.tz = tz
        self.all: list[datetime] = []
        self.by_board: dict[int, list[datetime]] = defaultdict(list)
        self.by_link: dict[str, list[datetime]] = defaultdict(list)
        self.by_domain: dict[str, list[datetime]] = defaultdict(list)
        self.per_day: dict[date, int] = defaultdict(int)
        self._skip: dict[date, date] = {}
        # Spans proven full, per (board or None, domain): sorted starts and their ends.
        self._frontier: dict[tuple[int | None, str], tuple[list[datetime], list[datetime]]] = {}
        # Time-zone arithmetic is most of a placement's cost: each local day's bounds and posting
        # windows, in UTC, are worked out once (exactly: DST days get their own bounds).
        self._windows: dict[date, list[tuple[datetime, datetime]]] = {}
        self._day_bounds: dict[date, tuple[datetime, datetime]] = {}
        self._last_day: tuple[datetime, datetime, date] | None = None
        # (any two pins, one board, one link, a domain's burst span): built once, read on every try
        self._gaps = (
            timedelta(minutes=rules.min_gap_minutes),
            timedelta(minutes=rules.board_gap_minutes),
            timedelta(hours=rules.same_link_hours),
            timedelta(minutes=rules.domain_burst_minutes),
        )
        for slot in sorted(slots, key=lambda s: s.at):  # in time order: each insort appends
            self.add(slot)

    def add(self, slot: Slot) -> None:
        bisect.insort(self.all, slot.at)
        bisect.insort(self.by_board[slot.board], slot.at)
        if slot.link:
            bisect.insort(self.by_link[slot.link], slot.at)
        if slot.domain:
            bisect.insort(self.by_domain[slot.domain], slot.at)
        self.per_day[self.local_day(slot.at)] += 1

    def open_day(self, day: date) -> date:
        """The first local day >= `day` below the daily cap. Days only fill up while planning, so
        the skip pointers may be compressed (a long import would otherwise rescan every full day)."""
        path = []
        while self.per_day.get(day, 0) >= self.rules.daily_cap:
            path.append(day)
            day = self._skip.get(day, day + timedelta(days=1))
        for full in path:
            self._skip[full] = day
        return day

    def local_day(self, at: datetime) -> date:
        if at.tzinfo is None:
            return at.astimezone(self.tz).date()
        last = self._last_day
        if last is not None and last[0] <= at < last[1]:
            return last[2]
        day = at.astimezone(self.tz).date()
        bounds = self._day_bounds.get(day)
        if bounds is None:
            start = datetime.combine(day, datetime.min.time(), self.tz).astimezone(at.tzinfo)
            end = datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz).astimezone(at.tzinfo)
            bounds = self._day_bounds[day] = (start, end)
        if bounds[0] <= at < bounds[1]:
            self._last_day = (bounds[0], bounds[1], day)
        return day

    def windows_on(self, day: date, tzinfo: tzinfo_t | None) -> list[tuple[datetime, datetime]]:
        """The posting windows of a local day as (start, end) instants."""
        found = self._windows.get(day)
        if found is None:
            found = self._windows[day] = [
                (
                    datetime.combine(day, w.start, self.tz).astimezone(tzinfo),
                    datetime.combine(day, w.end, self.tz).astimezone(tzinfo),
                )
                for w in self.rules.windows
            ]
        return found

    # -- the rules -----------------------------------------------------------------------------
    def into_window(self, t: datetime) -> datetime:
        """The earliest instant >= t inside a posting window on an allowed day."""
        day = self.local_day(t)
        allowed = self.rules.weekdays
        for offset in range(8):
            d = day + timedelta(days=offset)
            if d.weekday() not in allowed:
                continue
            for start, end in self.windows_on(d, t.tzinfo):
                if t < end:
                    return max(t, start)
        raise AssertionError("no posting window in a week")  # rules always hold >= 1 day and window

    def window_end(self, t: datetime) -> datetime:
        local = t.astimezone(self.tz)
        for w in self.rules.windows:
            end = datetime.combine(local.date(), w.end, self.tz)
            start = datetime.combine(local.date(), w.start, self.tz)
            if start <= local < end:
                return end.astimezone(t.tzinfo)
        return t

    def repeats_link(self, slot: Slot) -> bool:
        """Whether `slot` repeats a scheduled pin's link within `same_link_hours`."""
        gap = timedelta(hours=self.rules.same_link_hours)
        return bool(slot.link) and self._push(self.by_link.get(slot.link, []), slot.at, gap) is not None

    def _push(self, times: list[datetime], t: datetime, gap: timedelta) -> datetime | None:
        """The time t must move to so that no entry of `times` is closer than `gap`, or None."""
        if gap <= timedelta(0) or not times:
            return None
        i = bisect.bisect_right(times, t - gap)
        if i < len(times) and times[i] < t + gap:
            # The latest conflicting entry decides (each conflict is within gap of t); then slide
            # past the rest of a packed run at once instead of one entry per call.
            j = bisect.bisect_left(times, t + gap) - 1
            moved = times[j] + gap
            for k in range(j + 1, len(times)):
                if times[k] >= moved + gap:
                    break
                moved = times[k] + gap
            return moved
        return None

    def conflict(self, t: datetime, board: int | None, link: str, domain: str) -> datetime | None:
        """None when a pin may go out at t; else a later time worth trying."""
        r = self.rules
        day = self.local_day(t)
        if self.per_day.get(day, 0) >= r.daily_cap:
            nxt = datetime.combine(self.open_day(day + timedelta(days=1)), datetime.min.time(), self.tz)
            return nxt.astimezone(t.tzinfo)
        gaps = self._gaps
        moves = [
            self._push(self.all, t, gaps[0]),
            self._push(self.by_board.get(board, []), t, gaps[1]) if board is not None else None,
        ]
        if link:
            moves.append(self._push(self.by_link.get(link, []), t, gaps[2]))
        if domain:
            times = self.by_domain.get(domain, [])
            span = gaps[3]
            lo, hi = bisect.bisect_right(times, t - span), bisect.bisect_left(times, t + span)
            if hi - lo >= r.domain_burst_limit:
                moves.append(times[lo] + span)
        later = [m for m in moves if m is not None]
        return max(later) if later else None

    def _earliest_ignoring_link(self, start: datetime, board: int, domain: str) -> datetime:
        """The earliest time >= start that every rule but the per-link one allows. Adding slots
        only removes options, so a span once proven full stays full: remember it per domain (the
        rules that ignore the board: cap, gaps, bursts), then per board and domain, and let the
        next search start at its end (a 10,000-row import, or a year of loops, stays linear)."""
        return self._walk(self._walk(start, None, domain), board, domain)

    def _walk(self, start: datetime, board: int | None, domain: str) -> datetime:
        spans = self._frontier.setdefault((board, domain), ([], []))
        starts, ends = spans
        t = start
        for _ in range(_MAX_STEPS):
            i = bisect.bisect_right(starts, t) - 1
            if i >= 0 and t < ends[i]:
                t = ends[i]  # a span proven full: skip it
            t = self.into_window(t)
            moved = self.conflict(t, board, "", domain)
            if moved is None:
                break
            t = max(moved, t + timedelta(seconds=1))
        if t > start:  # remember [start, t) as full, merged with the spans it touches
            lo = bisect.bisect_left(ends, start)
            hi = bisect.bisect_right(starts, t)
            first = min(start, starts[lo]) if lo < hi else start
            last = max(t, ends[hi - 1]) if lo < hi else t
            starts[lo:hi], ends[lo:hi] = [first], [last]
        return t

    def earliest(self, start: datetime, board: int, link: str, domain: str) -> datetime:
        t = start
        for _ in range(_MAX_STEPS):
            # After the link's gap moved t, the walks skip the spans already proven full again (a
            # step at a time through a packed week cost seconds on an unlucky jitter).
            t = self.into_window(self._earliest_ignoring_link(t, board, domain))
            moved = self.conflict(t, board, link, domain)
            if moved is None:
                return t
            t = max(moved, t + timedelta(seconds=1))
        raise InvalidInput("schedule", "no free slot found within the posting rules; loosen them in the rules file")


def place(
    rules: ScheduleRules,
    tz: ZoneInfo,
    existing: Iterable[Slot],
    items: Sequence[Item],
    now: datetime,
    rng: random.Random,
) -> list[datetime]:
    """Due times (UTC) for `items`, in order, that keep every rule against `existing` and each other."""
    now = as_utc(now)
    sched = Schedule(rules, tz, existing)
    interval = timedelta(days=rules.board_interval_days)
    jitter = timedelta(minutes=rules.jitter_minutes)
    out: list[datetime | None] = [None] * len(items)
    # Explicit times first: they are fixed, and the others must keep their distance from them.
    for i, item in enumerate(items):
        if item.at is not None:
            out[i] = as_utc(item.at)
            sched.add(Slot.of(as_utc(item.at), item.board, item.link))
    group_base: dict[str, datetime] = {}
    group_index: dict[str, int] = defaultdict(int)
    group_last: dict[str, datetime] = {}
    for i, item in enumerate(items):
        key = item.group or f"#{i}"
        index = group_index[key]
        group_index[key] += 1
        if item.at is not None:
            group_base.setdefault(key, as_utc(item.at) - interval * index)
            group_last[key] = max(group_last.get(key, as_utc(item.at)), as_utc(item.at))
            continue
        base = group_base.get(key)
        start = max(now, base + interval * index) if base is not None else now
        if item.not_before is not None:
            start = max(start, as_utc(item.not_before))
        if key in group_last:  # jitter may have put the previous board late: keep the full interval
            start = max(start, group_last[key] + interval)
        slot = Slot.of(start, item.board, item.link)
        t = sched.earliest(start, item.board, slot.link, slot.domain)
        if jitter:
            room = min(jitter, sched.window_end(t) - t)
            if room > timedelta(0):
                # Inside the window, a jittered time that breaks no rule is its own earliest slot:
                # one check instead of a second search (most pins of a long plan land this way).
                jittered = t + room * rng.random()
                if sched.conflict(jittered, item.board, slot.link, slot.domain) is not None:
                    jittered = sched.earliest(jittered, item.board, slot.link, slot.domain)
                t = jittered
        t = t.replace(microsecond=0)
        if base is None:
            group_base[key] = t - interval * index
        out[i] = t
        group_last[key] = t
        sched.add(Slot(t, item.board, slot.link, slot.domain))
    return [t for t in out if t is not None]


def group_of(pin: Pin | PinDraft) -> str:
    """One request on several boards shares everything in its source key but the board."""
    if pin.source_key and "#" in pin.source_key:
        return pin.source_key.rsplit("#", 1)[0]
    if pin.product_id is not None:
        return f"product:{pin.product_id}"
    return pin.source_key or ""


def load_slots(session: Session, account_id: int, since: datetime) -> list[Slot]:
    """The account's schedule from `since` on: queued, posting and posted pins."""
    with session.no_autoflush:  # the new, unplaced pins are in the session already
        rows = session.exec(
            select(Pin.due_at, Pin.posted_at, Pin.board_id, Pin.link).where(
                Pin.account_id == account_id,
                col(Pin.status).in_(ACTIVE),
                col(Pin.id).is_not(None),
                (col(Pin.due_at) >= since) | (col(Pin.posted_at) >= since),
            )
        ).all()
    return [Slot.of(posted or due, board, link) for due, posted, board, link in rows]


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
        r = self.rules.schedule
        lookback = timedelta(hours=max(r.same_link_hours, 24), minutes=r.domain_burst_minutes)
        existing = load_slots(session, account_id, as_utc(now) - lookback)
        items = [
            Item(
                board=pin.board_id,
                link=pin.link,
                group=group_of(pin),
                at=pin.due_at if pin.explicit_time else None,
                not_before=None if pin.explicit_time else pin.due_at,
            )
            for pin in pins
        ]
        for pin, due in zip(pins, place(r, self.tz, existing, items, now, self.rng), strict=True):
            pin.due_at = due
        # After placing, on the pins that will be written: a pin the rules can only place after its
        # `not_after` is not queued, so it cannot clash with anything (the lint reads no due times).
        kept = [p for p in pins if p.not_after is None or p.due_at <= p.not_after]
        lint_new_pins(session, account_id, kept, self.rules.schedule)


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
