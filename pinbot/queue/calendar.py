"""The shop's local days and posting windows as int instants (microseconds since the epoch, UTC).

Owns `Calendar`, the time-zone half of `pinbot.queue.schedule.Schedule`: the local day of an
instant, each day's bounds, the posting windows of the allowed days, and the earliest instant in a
window. Time-zone arithmetic is costly: every answer is worked out once and remembered (exactly:
days with a clock change get their own bounds), and the window the planner's search is in is kept
at hand, as its next try is almost always in the same window (docs/loops.md: planning time).
"""

from __future__ import annotations

import bisect
import itertools
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_t
from zoneinfo import ZoneInfo

from pinbot.clock import as_utc
from pinbot.shop.rules import ScheduleRules

SECOND = 1_000_000  # microseconds
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_US = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)


def to_us(at: datetime) -> int:
    """The instant as microseconds since the epoch (a naive datetime is UTC, as the database's are)."""
    if at.tzinfo is None:
        return (at - _NAIVE_EPOCH) // _US
    return (at - _EPOCH) // _US


def from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _wall_us(wall: time_t) -> int:
    """A wall time's offset from midnight in microseconds."""
    return ((wall.hour * 60 + wall.minute) * 60 + wall.second) * SECOND + wall.microsecond


class Calendar:
    """Local days and posting windows of one shop's rules and time zone."""

    def __init__(self, rules: ScheduleRules, tz: ZoneInfo) -> None:
        self.rules = rules
        self.tz = tz
        self._bounds: dict[date, tuple[int, int]] = {}
        self._ahead: dict[date, list[tuple[int, int]]] = {}
        self._windows: dict[date, list[tuple[int, int]]] = {}
        # Each window's bounds as offsets from the start of a day without a clock change
        self._offsets = [(_wall_us(w.start), _wall_us(w.end)) for w in rules.windows]
        self._walls: dict[date, list[tuple[datetime, datetime, int]]] = {}  # see window_end
        self._last: tuple[int, int, date] = (1, 0, date.min)
        self._days: dict[int, list[tuple[int, int, date]]] = {}
        # The window last found by `window_of` (begin, end, its day), or an empty one. Only windows
        # of days without a clock change are kept, and only when the rules' windows are in order
        # and apart (as the rules file makes them): then every instant in it is in that window
        # and on that day, and a later search from inside it would find it again.
        self.window: tuple[int, int, date] = (1, 0, date.min)
        # Windows on the whole second (as the rules file writes them; see Schedule.add_placed)
        self.whole = all(w.start.microsecond == w.end.microsecond == 0 for w in rules.windows)
        # Every posting window from a week before the first instant asked about on, in order:
        # begins, ends, days, and whether the day has no clock change (see `window_of`).
        self._begins: list[int] = []
        self._ends: list[int] = []
        self._window_days: list[date] = []
        self._plain: list[bool] = []
        self._after = 1  # the index of the window after the one `window_of` found last (see there)
        self._next_day = date.min
        self._ordered = all(a.start < a.end <= b.start for a, b in itertools.pairwise(rules.windows)) and all(
            w.start < w.end for w in rules.windows
        )

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
        bounds = self.day_bounds(day)
        if bounds[0] <= at < bounds[1]:
            self._last = found = (bounds[0], bounds[1], day)
            self._days.setdefault(at // DAY, []).append(found)
        return day

    def day_bounds(self, day: date) -> tuple[int, int]:
        bounds = self._bounds.get(day)
        if bounds is None:
            start = to_us(datetime.combine(day, time_t.min, self.tz))
            end = to_us(datetime.combine(day + ONE_DAY, time_t.min, self.tz))
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
            start_of_day, end_of_day = self.day_bounds(day)
            if end_of_day - start_of_day == DAY:
                # No clock change that day (see window_end): a wall time is its offset from the
                # day's start, without a time-zone conversion (a big import meets years of days).
                found = [(start_of_day + begin, start_of_day + end) for begin, end in self._offsets]
            else:
                tz = self.tz
                found = [
                    (to_us(datetime.combine(day, w.start, tz)), to_us(datetime.combine(day, w.end, tz)))
                    for w in self.rules.windows
                ]
            self._windows[day] = found
        return found

    def window_of(self, t: int) -> tuple[int, date]:
        """(`window_at(t)`, its local day); keeps the window it is in at hand (see `window`)."""
        ends = self._ends
        i = self._after  # a walk's next try is most often in the next window: no bisect then
        if not (i < len(ends) and ends[i - 1] <= t < ends[i]):
            i = bisect.bisect_right(ends, t)
            if i == len(ends) and self._ordered and (not ends or t - ends[-1] < 366 * DAY):
                self._add_windows(t)
                i = bisect.bisect_right(ends, t)
        self._after = i + 1
        if 0 < i < len(ends) and self._plain[i]:
            # The first window ending after t, as the windows of every day are in order: the one
            # the search of the week ahead of t's day finds (after the windows of days before).
            begin, day = self._begins[i], self._window_days[i]
            self.window = (begin, ends[i], day)
            return (begin if begin > t else t), day
        day = self.day_of(t)
        for begin, end in self._windows_ahead(day):
            if t < end:
                if begin > t:
                    t = begin
                    day = self.day_of(t)
                break
        else:
            raise AssertionError("no posting window in a week")  # rules always hold >= 1 day and window
        start_of_day, end_of_day = self.day_bounds(day)
        if self._ordered and end_of_day - start_of_day == DAY and start_of_day <= begin and end <= end_of_day:
            self.window = (begin, end, day)
        return t, day

    def _add_windows(self, t: int) -> None:
        """The windows of the days up to a few weeks past t (from a week before t, the first time)."""
        if not self._ends:
            self._next_day = self.day_of(t) - timedelta(days=7)
        last = self.day_of(t) + timedelta(days=28)
        day, begins, ends, days, plain = self._next_day, self._begins, self._ends, self._window_days, self._plain
        while day <= last:
            if day.weekday() in self.rules.weekdays:
                start_of_day, end_of_day = self.day_bounds(day)
                for begin, end in self._windows_on(day):
                    if begin >= end or (ends and begin < ends[-1]):
                        self._ordered = False  # not in order after all (a clock change): no more
                        return
                    begins.append(begin)
                    ends.append(end)
                    days.append(day)
                    plain.append(end_of_day - start_of_day == DAY and start_of_day <= begin and end <= end_of_day)
            day += ONE_DAY
        self._next_day = day

    def window_at(self, t: int) -> int:
        """The earliest instant >= t inside a posting window on an allowed day."""
        begin, end, _ = self.window
        if begin <= t < end:
            return t
        return self.window_of(t)[0]

    def into_window(self, t: datetime) -> datetime:
        return from_us(self.window_at(to_us(as_utc(t))))

    def window_end(self, t: int) -> int:
        """The end of the posting window t is in (compared in local wall time), or t."""
        begin, end, _ = self.window
        if begin <= t < end:
            return end
        day = self.day_of(t)
        start_of_day, end_of_day = self.day_bounds(day)
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
        for wall_start, wall_end, end_at in walls:
            if wall_start <= wall < wall_end:
                return end_at
        return t
