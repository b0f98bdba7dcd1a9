"""The taken slots of one account's schedule and the posting rules checked against them.

Owns `Slot` and `Schedule`: the daily cap per local day, the gap between any two pins, per board
and per link, each domain's burst limit, the posting windows and allowed days in the shop's
timezone, and the search for the earliest time every rule allows. Inside, an instant is an int:
microseconds since the Unix epoch, UTC. It names exactly the instant an aware datetime would (so
placements do not change), but comparing and adding ints costs a fraction of datetime arithmetic,
which was most of a big import's planning time (docs/loops.md: planning time).
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_t
from zoneinfo import ZoneInfo

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput
from pinbot.links import domain_of, link_key
from pinbot.shop.rules import ScheduleRules

SECOND = 1_000_000  # microseconds
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_MAX_STEPS = 20_000


def to_us(at: datetime) -> int:
    """The instant as microseconds since the epoch (a naive datetime is UTC, as the database's are)."""
    if at.tzinfo is None:
        return (at - _NAIVE_EPOCH) // _US
    return (at - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True)
class Slot:
    """One pin in the schedule, reduced to what the rules look at."""

    at: datetime  # UTC
    board: int
    link: str = ""  # link_key()
    domain: str = ""

    @classmethod
    def of(cls, at: datetime, board: int, link: str) -> Slot:
        return cls(as_utc(at), board, *link_parts(link))


@functools.lru_cache(maxsize=65_536)
def link_parts(link: str) -> tuple[str, str]:
    """(link_key, domain) of a link: parsed once, as every pass reads the same links again (a big
    import names tens of thousands of links, each on several boards)."""
    return link_key(link), domain_of(link) if link else ""


class Schedule:
    """The taken slots, indexed for the rules' range queries (instants as ints, see above)."""

    def __init__(self, rules: ScheduleRules, tz: ZoneInfo, slots: Iterable[Slot] = ()) -> None:
        self.rules = rules
        self.tz = tz
        self.all: list[int] = []
        self.by_board: dict[int, list[int]] = defaultdict(list)
        self.by_link: dict[str, list[int]] = defaultdict(list)
        self.by_domain: dict[str, list[int]] = defaultdict(list)
        self.per_day: dict[date, int] = defaultdict(int)
        self._skip: dict[date, date] = {}
        # Spans proven full, per (board or None, domain): sorted starts and their ends.
        self._frontier: dict[tuple[int | None, str], tuple[list[int], list[int]]] = {}
        # Time-zone arithmetic is costly: each local day's bounds and posting windows are worked
        # out once (exactly: DST days get their own bounds), and the windows of the week ahead of
        # a day are one list.
        self._bounds: dict[date, tuple[int, int]] = {}
        self._ahead: dict[date, list[tuple[int, int]]] = {}
        self._windows: dict[date, list[tuple[int, int]]] = {}
        self._walls: dict[date, list[tuple[datetime, datetime, int]]] = {}  # see window_end
        self._last: tuple[int, int, date] = (1, 0, date.min)
        self._days: dict[int, list[tuple[int, int, date]]] = {}
        self._proven: int | None = None  # see _walk
        # (any two pins, one board, one link, a domain's burst span): read on every try
        self._gaps = (
            rules.min_gap_minutes * MINUTE,
            rules.board_gap_minutes * MINUTE,
            rules.same_link_hours * HOUR,
            rules.domain_burst_minutes * MINUTE,
        )
        self.extend((to_us(s.at), s.board, s.link, s.domain) for s in slots)

    def extend(self, slots: Iterable[tuple[int, int, str, str]]) -> None:
        """Add (instant, board, link key, domain) rows, e.g. the existing queue of an account."""
        rows = sorted(slots, key=lambda s: s[0])
        if self.all:
            for at, board, link, domain in rows:
                self.add_at(at, board, link, domain)
            return
        # In time order into an empty schedule: every index is built by appending.
        by_board, by_link, by_domain, per_day, day_of = (
            self.by_board,
            self.by_link,
            self.by_domain,
            self.per_day,
            self.day_of,
        )
        for at, board, link, domain in rows:
            by_board[board].append(at)
            if link:
                by_link[link].append(at)
            if domain:
                by_domain[domain].append(at)
            per_day[day_of(at)] += 1
        self.all = [row[0] for row in rows]

    def add_at(self, at: int, board: int, link: str, domain: str) -> None:
        bisect.insort(self.all, at)
        bisect.insort(self.by_board[board], at)
        if link:
            bisect.insort(self.by_link[link], at)
        if domain:
            bisect.insort(self.by_domain[domain], at)
        self.per_day[self.day_of(at)] += 1

    def add(self, slot: Slot) -> None:
        self.add_at(to_us(slot.at), slot.board, slot.link, slot.domain)

    def open_day(self, day: date) -> date:
        """The first local day >= `day` below the daily cap. Days only fill up while planning, so
        the skip pointers may be compressed (a long import would otherwise rescan every full day)."""
        path = []
        while self.per_day.get(day, 0) >= self.rules.daily_cap:
            path.append(day)
            day = self._skip.get(day, day + _ONE_DAY)
        for full in path:
            self._skip[full] = day
        return day

    # -- local days and windows ----------------------------------------------------------------
    def day_of(self, at: int) -> date:
        """The local day of an instant."""
        lo, hi, day = self._last
        if lo <= at < hi:
            return day
        # The local days met within each UTC day (one or two) are remembered: a search jumps
        # between days, and working a day out from the time zone costs more than the rest.
        near = self._days.get(at // DAY)
        if near is not None:
            for found in near:
                if found[0] <= at < found[1]:
                    self._last = found
                    return found[2]
        day = from_us(at).astimezone(self.tz).date()
        bounds = self._day_bounds(day)
        if bounds[0] <= at < bounds[1]:
            self._last = found = (bounds[0], bounds[1], day)
            self._days.setdefault(at // DAY, []).append(found)
        return day

    def _day_bounds(self, day: date) -> tuple[int, int]:
        bounds = self._bounds.get(day)
        if bounds is None:
            start = to_us(datetime.combine(day, time_t.min, self.tz))
            end = to_us(datetime.combine(day + _ONE_DAY, time_t.min, self.tz))
            bounds = self._bounds[day] = (start, end)
        return bounds

    def local_day(self, at: datetime) -> date:
        return self.day_of(to_us(as_utc(at)))

    def _windows_ahead(self, day: date) -> list[tuple[int, int]]:
        """The posting windows of the allowed days in the week from `day` on, in order."""
        found = self._ahead.get(day)
        if found is None:
            found = self._ahead[day] = []
            for offset in range(8):
                d = day + timedelta(days=offset)
                if d.weekday() in self.rules.weekdays:
                    found += self._windows_on(d)
        return found

    def _windows_on(self, day: date) -> list[tuple[int, int]]:
        found = self._windows.get(day)
        if found is None:
            tz = self.tz
            found = self._windows[day] = [
                (to_us(datetime.combine(day, w.start, tz)), to_us(datetime.combine(day, w.end, tz)))
                for w in self.rules.windows
            ]
        return found

    # -- the rules -----------------------------------------------------------------------------
    def window_at(self, t: int) -> int:
        """The earliest instant >= t inside a posting window on an allowed day."""
        for start, end in self._windows_ahead(self.day_of(t)):
            if t < end:
                return start if start > t else t
        raise AssertionError("no posting window in a week")  # rules always hold >= 1 day and window

    def into_window(self, t: datetime) -> datetime:
        return from_us(self.window_at(to_us(as_utc(t))))

    def window_end(self, t: int) -> int:
        """The end of the posting window t is in (compared in local wall time), or t."""
        day = self.day_of(t)
        start_of_day, end_of_day = self._day_bounds(day)
        if end_of_day - start_of_day == DAY:
            # No clock change that day: wall times and instants are in the same order, so the
            # day's windows as instants (worked out once) answer without a time-zone conversion.
            for begin, finish in self._windows_on(day):
                if begin <= t < finish:
                    return finish
            return t
        local = from_us(t).astimezone(self.tz)
        day = local.date()
        walls = self._walls.get(day)
        if walls is None:
            walls = self._walls[day] = [
                (
                    datetime.combine(day, w.start),
                    datetime.combine(day, w.end),
                    to_us(datetime.combine(day, w.end, self.tz)),
                )
                for w in self.rules.windows
            ]
        wall = local.replace(tzinfo=None)
        for start, end, end_at in walls:
            if start <= wall < end:
                return end_at
        return t

    def repeats_link(self, slot: Slot) -> bool:
        """Whether `slot` repeats a scheduled pin's link within `same_link_hours`."""
        gap = self._gaps[2]
        return bool(slot.link) and _push(self.by_link.get(slot.link, []), to_us(slot.at), gap) is not None

    def conflict(self, t: int, board: int | None, link: str, domain: str) -> int | None:
        """None when a pin may go out at t; else a later time worth trying."""
        board_times = self.by_board.get(board, []) if board is not None else None
        later = self._next_try(t, board_times, self.by_domain.get(domain) if domain else None)
        if link and self.per_day.get(self.day_of(t), 0) < self.rules.daily_cap:
            moved = _push(self.by_link.get(link, []), t, self._gaps[2])
            if moved is not None and (later is None or moved > later):
                later = moved
        return later

    def _next_try(self, t: int, board_times: list[int] | None, domain_times: list[int] | None) -> int | None:
        """`conflict` but for the link's gap, on the board's and the domain's times."""
        day = self.day_of(t)
        if self.per_day.get(day, 0) >= self.rules.daily_cap:
            return self._day_bounds(self.open_day(day + _ONE_DAY))[0]
        gap_all, gap_board, _, span = self._gaps
        later = _push(self.all, t, gap_all)
        if board_times is not None:
            moved = _push(board_times, t, gap_board)
            if moved is not None and (later is None or moved > later):
                later = moved
        if domain_times:
            lo = bisect.bisect_right(domain_times, t - span)
            if bisect.bisect_left(domain_times, t + span, lo) - lo >= self.rules.domain_burst_limit:
                moved = domain_times[lo] + span
                if later is None or moved > later:
                    later = moved
        return later

    def _earliest_ignoring_link(self, start: int, board: int, domain: str) -> int:
        """The earliest time >= start that every rule but the per-link one allows. Adding slots
        only removes options, so a span once proven full stays full: remember it per domain (the
        rules that ignore the board: cap, gaps, bursts), then per board and domain, and let the
        next search start at its end (a 10,000-row import, or a year of loops, stays linear)."""
        t = self._walk(start, None, domain, None)
        return self._walk(t, board, domain, self._proven)

    def _walk(self, start: int, board: int | None, domain: str, proven: int | None) -> int:
        """The first time >= start free of the rules but the link's; `proven`: an instant already
        known free of every rule but the board's (then only the board's gap is checked there).
        Sets `_proven` to the result when it is known free (not after running out of steps)."""
        spans = self._frontier.get((board, domain))
        if spans is None:
            spans = self._frontier[(board, domain)] = ([], [])
        starts, ends = spans
        board_times = self.by_board.get(board, []) if board is not None else None
        domain_times = self.by_domain.get(domain) or [] if domain else []
        gap_all, gap_board, _, span = self._gaps
        # `window_at` and `_next_try` inline: this is the loop a search spends its time in
        day_of, ahead, per_day, cap = self.day_of, self._windows_ahead, self.per_day, self.rules.daily_cap
        burst, all_times = self.rules.domain_burst_limit, self.all
        bisect_left, bisect_right = bisect.bisect_left, bisect.bisect_right
        t = start
        self._proven = None
        for _ in range(_MAX_STEPS):
            if starts:
                i = bisect_right(starts, t) - 1
                if i >= 0 and t < ends[i]:
                    t = ends[i]  # a span proven full: skip it
            day = day_of(t)
            for begin, end in ahead(day):
                if t < end:
                    if begin > t:
                        t = begin
                        day = day_of(t)
                    break
            else:
                raise AssertionError("no posting window in a week")
            if t == proven and board_times is not None:
                moved = _push(board_times, t, gap_board)
            elif per_day.get(day, 0) >= cap:
                moved = self._day_bounds(self.open_day(day + _ONE_DAY))[0]
            else:
                moved = _push(all_times, t, gap_all)
                if board_times is not None:
                    later = _push(board_times, t, gap_board)
                    if later is not None and (moved is None or later > moved):
                        moved = later
                if domain_times:
                    lo = bisect_right(domain_times, t - span)
                    if bisect_left(domain_times, t + span, lo) - lo >= burst:
                        later = domain_times[lo] + span
                        if moved is None or later > moved:
                            moved = later
            if moved is None:
                self._proven = t
                break
            t = moved if moved > t + SECOND else t + SECOND
        if t > start:  # remember [start, t) as full, merged with the spans it touches
            lo = bisect.bisect_left(ends, start)
            hi = bisect.bisect_right(starts, t)
            first = min(start, starts[lo]) if lo < hi else start
            last = max(t, ends[hi - 1]) if lo < hi else t
            starts[lo:hi], ends[lo:hi] = [first], [last]
        return t

    def earliest(self, start: int, board: int, link: str, domain: str) -> int:
        t = start
        gap_link = self._gaps[2]
        for _ in range(_MAX_STEPS):
            # After the link's gap moved t, the walks skip the spans already proven full again (a
            # step at a time through a packed week cost seconds on an unlucky jitter).
            self._proven = None
            t = self.window_at(self._earliest_ignoring_link(t, board, domain))
            if t == self._proven:  # the walks found every rule but the link's kept at t
                moved = _push(self.by_link.get(link, []), t, gap_link) if link else None
            else:
                moved = self.conflict(t, board, link, domain)
            if moved is None:
                return t
            t = moved if moved > t + SECOND else t + SECOND
        raise InvalidInput("schedule", "no free slot found within the posting rules; loosen them in the rules file")


def _push(times: list[int], t: int, gap: int) -> int | None:
    """The time t must move to so that no entry of `times` is closer than `gap`, or None."""
    if gap <= 0 or not times:
        return None
    i = bisect.bisect_right(times, t - gap)
    if i < len(times) and times[i] < t + gap:
        # The latest conflicting entry decides (each conflict is within gap of t); then slide
        # past the rest of a packed run at once instead of one entry per call.
        j = bisect.bisect_left(times, t + gap, i) - 1
        moved = times[j] + gap
        for k in range(j + 1, len(times)):
            if times[k] >= moved + gap:
                break
            moved = times[k] + gap
        return moved
    return None
