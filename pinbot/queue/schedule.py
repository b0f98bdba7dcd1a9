"""The taken slots of one account's schedule and the posting rules checked against them.

Owns `Slot` and `Schedule`: the daily cap per local day, the gap between any two pins, per board
and per link, each domain's burst limit, and the search for the earliest time every rule allows
(the posting windows and allowed days in the shop's timezone: `pinbot.queue.calendar`). Inside, an instant is an int:
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
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pinbot.clock import as_utc
from pinbot.errors import InvalidInput
from pinbot.links import domain_of, link_key
from pinbot.queue.calendar import DAY, HOUR, MINUTE, ONE_DAY, SECOND, Calendar, from_us, to_us
from pinbot.queue.times import Times, merge_span, push_past
from pinbot.shop.rules import ScheduleRules

__all__ = ["DAY", "HOUR", "MINUTE", "SECOND", "Schedule", "Slot", "from_us", "link_parts", "to_us"]
# A search's steps at most, made once (a range made per walk was a measurable part of planning)
_STEPS = range(20_000)


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


class Schedule(Calendar):
    """The taken slots, indexed for the rules' range queries (instants as ints, see above)."""

    def __init__(self, rules: ScheduleRules, tz: ZoneInfo, slots: Iterable[Slot] = ()) -> None:
        super().__init__(rules, tz)
        self.all = Times()
        self.by_board: dict[int, Times] = defaultdict(Times)
        self.by_link: dict[str, list[int]] = defaultdict(list)
        self.by_domain: dict[str, Times] = defaultdict(Times)
        self.per_day: dict[date, int] = defaultdict(int)
        self._skip: dict[date, date] = {}
        # Per domain: (start, result, its day) of the last walk on the domain's rules that found
        # its result free at the first look; see `_walk`.
        self._found: dict[str, tuple[int, int, date]] = {}
        # Where instants off the whole second stop mattering to a walk: up to the reach of the
        # rules past the last such pin, and past the last such end of a span of each board
        # (see `add_placed`).
        self._uneven_pins = 0
        self._uneven_ends: dict[tuple[int, str], int] = {}
        # Spans proven full, per (board or None, domain): sorted starts and their ends.
        self._frontier: dict[tuple[int | None, str], tuple[list[int], list[int]]] = {}
        self._proven: int | None = None  # see _walk
        # (any two pins, one board, one link, a domain's burst span): read on every try
        self._gaps = (
            rules.min_gap_minutes * MINUTE,
            rules.board_gap_minutes * MINUTE,
            rules.same_link_hours * HOUR,
            rules.domain_burst_minutes * MINUTE,
        )
        self._reach = max(self._gaps[0], self._gaps[1], self._gaps[3])
        self._near = max(self._gaps[0], self._gaps[3])  # see add_at
        self.extend((to_us(s.at), s.board, s.link, s.domain) for s in slots)

    def extend(self, slots: Iterable[tuple[int, int, str, str]]) -> None:
        """Add (instant, board, link key, domain) rows, e.g. the existing queue of an account."""
        keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, row in enumerate(rows := list(slots)):
            keyed[row[2:]].append(i)
        self._add([row[0] for row in rows], [row[1] for row in rows], keyed)

    def load(self, times: list[int], boards: list[int], links: list[str]) -> None:
        """`extend` with the rows given column by column, in any order, their links as written (a
        queue of 100,000 pins is read on every import: no tuple per row, each link parsed once)."""
        by_link: dict[str, list[int]] = defaultdict(list)
        for i, link in enumerate(links):
            by_link[link].append(i)
        keyed: dict[tuple[str, str], list[int]] = defaultdict(list)
        for link, rows in by_link.items():
            keyed[link_parts(link)] += rows
        self._add(times, boards, keyed)

    def _add(self, times: list[int], boards: list[int], keyed: dict[tuple[str, str], list[int]]) -> None:
        """Add rows; `keyed`: the rows (indexes of `times`, `boards`) of each (link key, domain). An
        empty schedule's indexes are built a column at a time, each sorted once, and a day's pins
        counted by bisecting its end (a pass per row through every index cost more than the read)."""
        self._found.clear()
        uneven = max((at for at in times if at % SECOND), default=None)
        if uneven is not None:
            self._uneven_pins = max(self._uneven_pins, uneven + self._reach)
        if self.all:
            for (link, domain), rows in keyed.items():
                for i in rows:
                    self.add_at(times[i], boards[i], link, domain)
            return
        ordered = sorted(times)
        self.all = Times(ordered)
        by_board: dict[int, list[int]] = defaultdict(list)
        for at, board in zip(times, boards, strict=True):
            by_board[board].append(at)
        self.by_board.update((board, Times(sorted(ats))) for board, ats in by_board.items())
        by_domain: dict[str, list[int]] = defaultdict(list)
        for (link, domain), rows in keyed.items():
            ats = [times[i] for i in rows]
            if link:
                self.by_link[link] += ats
            if domain:
                by_domain[domain] += ats
        for ats in self.by_link.values():
            ats.sort()
        self.by_domain.update((domain, Times(sorted(ats))) for domain, ats in by_domain.items())
        per_day, day_of, i, n = self.per_day, self.day_of, 0, len(ordered)
        lo, hi, day = self._last  # the day `day_of` found last holds every pin up to its end
        while i < n:
            at = ordered[i]
            if not lo <= at < hi:
                day = day_of(at)
                lo, hi, _ = self._last
            j = bisect.bisect_left(ordered, hi, i) if lo <= at < hi else i + 1
            per_day[day] += j - i
            i = j

    def add_at(self, at: int, board: int, link: str, domain: str) -> None:
        if at % SECOND and at + self._reach > self._uneven_pins:
            self._uneven_pins = at + self._reach
        self.all.insert(at)
        self.by_board[board].insert(at)
        if link:
            bisect.insort(self.by_link[link], at)
        if domain:
            self.by_domain[domain].insert(at)
        begin, end, day = self.window
        if not begin <= at < end:
            day = self.day_of(at)
        self.per_day[day] += 1
        found = self._found
        if found:  # a walk's result near the new pin, or on its day, may no longer be free
            reach = self._near
            for key, (_, free, free_day) in list(found.items()):
                if free_day == day or -reach < free - at < reach:
                    del found[key]

    def add_placed(self, at: int, board: int, link: str, domain: str) -> None:
        """`add_at` for a pin the planner placed, which also proves the times around it full for
        its board: every instant closer than the board's gap, up to `at + gap` itself (the walk that
        skips the span lands on the first time the board allows). Remembered as a span of the board's
        walks, they skip it instead of stepping through (one look per pin fewer on a long import).
        Only where every pin, window and span end a walk there can meet is on the whole second:
        then no step is the one-second nudge, each lands on the end of what blocked it, and a walk
        reaches the same first free time whether it skips the span or steps through it."""
        self.add_at(at, board, link, domain)
        gap = self._gaps[1]
        first, last = at - gap + 1, at + gap
        if (
            last <= first
            or at % SECOND
            or not self.whole
            or first < self._uneven_pins
            or first < self._uneven_ends.get((board, domain), first)
        ):
            return
        spans = self._frontier.get((board, domain))
        if spans is None:
            spans = self._frontier[(board, domain)] = ([], [])
        starts, ends = spans
        # Most often the pin's span reaches into the one its walk ended in, and only that one:
        # it grows, as `merge_span` would grow it, without its two searches
        i = bisect.bisect_right(starts, first) - 1
        if i >= 0 and first <= ends[i] and (i + 1 == len(starts) or starts[i + 1] > last):
            if ends[i] < last:
                ends[i] = last
        else:
            merge_span(starts, ends, first, last)

    def add(self, slot: Slot) -> None:
        self.add_at(to_us(slot.at), slot.board, slot.link, slot.domain)

    def open_day(self, day: date) -> date:
        """The first local day >= `day` below the daily cap. Days only fill up while planning, so
        the skip pointers may be compressed (a long import would otherwise rescan every full day)."""
        path = []
        while self.per_day.get(day, 0) >= self.rules.daily_cap:
            path.append(day)
            day = self._skip.get(day, day + ONE_DAY)
        for full in path:
            self._skip[full] = day
        return day

    # -- the rules -----------------------------------------------------------------------------
    def repeats_link(self, slot: Slot) -> bool:
        """Whether `slot` repeats a scheduled pin's link within `same_link_hours`."""
        gap = self._gaps[2]
        return bool(slot.link) and push_past(self.by_link.get(slot.link, []), to_us(slot.at), gap) is not None

    def conflict(self, t: int, board: int | None, link: str, domain: str) -> int | None:
        """None when a pin may go out at t; else a later time worth trying."""
        board_times = self.by_board.get(board) if board is not None else None
        later = self._next_try(t, board_times, self.by_domain.get(domain) if domain else None)
        if link and self.per_day.get(self.day_of(t), 0) < self.rules.daily_cap:
            moved = push_past(self.by_link.get(link, []), t, self._gaps[2])
            if moved is not None and (later is None or moved > later):
                later = moved
        return later

    def free_at(self, t: int, board: int, link: str, domain: str) -> bool:
        """`conflict(...) is None`, answered with the fewest lookups (once per pin placed)."""
        begin, end, day = self.window
        if not begin <= t < end:
            day = self.day_of(t)
        if self.per_day.get(day, 0) >= self.rules.daily_cap:
            return False
        gap_all, gap_board, gap_link, span = self._gaps
        if self.all.push(t, gap_all) is not None:
            return False
        board_times = self.by_board.get(board)
        if board_times is not None and board_times.push(t, gap_board) is not None:
            return False
        if link and push_past(self.by_link.get(link, []), t, gap_link) is not None:
            return False
        domain_times = self.by_domain.get(domain) if domain else None
        return domain_times is None or domain_times.burst_end(t, span, self.rules.domain_burst_limit) is None

    def _next_try(self, t: int, board_times: Times | None, domain_times: Times | None) -> int | None:
        """`conflict` but for the link's gap, on the board's and the domain's times."""
        day = self.day_of(t)
        if self.per_day.get(day, 0) >= self.rules.daily_cap:
            return self.day_bounds(self.open_day(day + ONE_DAY))[0]
        gap_all, gap_board, _, span = self._gaps
        later = self.all.push(t, gap_all)
        if board_times is not None:
            moved = board_times.push(t, gap_board)
            if moved is not None and (later is None or moved > later):
                later = moved
        if domain_times:
            moved = domain_times.burst_end(t, span, self.rules.domain_burst_limit)
            if moved is not None and (later is None or moved > later):
                later = moved
        return later

    def _walk(self, start: int, board: int, domain: str) -> int:
        """The first time >= start free of the rules but the link's: a walk on the rules that
        ignore the board (cap, gaps, the domain's burst), then one on every rule but the link's
        from where it ended; there, as the first walk proved the rest, only the board's gap is
        checked. Sets `_proven` to the result when it is known free (not after running out of
        steps). Adding slots only removes options, so a span once proven full stays full: each
        walk remembers its spans (per domain, then per board and domain) and the next search
        starts at their end (a 10,000-row import, or a year of loops, stays linear)."""
        all_times = self.all
        domain_times = self.by_domain.get(domain) if domain else None
        gap_all, gap_board, _, span = self._gaps
        n_all = all_times.size if gap_all > 0 else 0  # (its size, not len(): a Python call on Times)
        all_push = all_times.push
        # `window_of`, `_next_try` and `push_past` inline: this is the loop a search spends its time in
        burst_end = domain_times.burst_end if domain_times is not None and domain_times.size else None
        per_day, cap, burst = self.per_day, self.rules.daily_cap, self.rules.domain_burst_limit
        frontier, bisect_right = self._frontier, bisect.bisect_right
        begin, end, window_day = self.window
        t = start
        proven: int | None = None
        for key in (None, board):
            if key is None:
                # The same walk as last time, on spans unchanged since and with no pin added near
                # its result or on its day: the same single look at the same time (an import of
                # one board after another asks this before every pin).
                again = self._found.get(domain)
                if again is not None and again[0] == t:
                    proven = t = again[1]
                    continue
                board_push = None
            else:
                board_times, board_push = self.by_board.get(key), None
                if board_times is not None and board_times.size and gap_board > 0:
                    board_push, board_clear = board_times.push, board_times.maxes[-1] + gap_board
            spans = frontier.get((key, domain))
            if spans is None:
                spans = frontier[(key, domain)] = ([], [])
            starts, ends = spans
            start, found, first_look = t, None, False
            # The span the walk starts in (see the merge below)
            inside = bisect_right(starts, t) - 1 if starts else -1
            if inside >= 0 and t < ends[inside]:
                t = ends[inside]  # a span proven full: skip it
            if board_push and t >= board_clear:
                board_push = None  # a gap past the board's last pin: so is every later try
            for step in _STEPS:
                if step and starts:
                    i = bisect_right(starts, t) - 1
                    if i >= 0 and t < ends[i]:
                        t = ends[i]
                if begin <= t < end:
                    day = window_day
                else:
                    t, day = self.window_of(t)
                    begin, end, window_day = self.window
                if t == proven:
                    moved = board_push(t, gap_board) if board_push else None
                elif per_day.get(day, 0) >= cap:
                    moved = self.day_bounds(self.open_day(day + ONE_DAY))[0]
                else:
                    moved = all_push(t, gap_all) if n_all else None
                    if board_push:
                        later = board_push(t, gap_board)
                        if later is not None and (moved is None or later > moved):
                            moved = later
                    if burst_end:
                        later = burst_end(t, span, burst)
                        if later is not None and (moved is None or later > moved):
                            moved = later
                if moved is None:
                    found, first_look = t, step == 0
                    break
                t = moved if moved > t + SECOND else t + SECOND
            if t > start:  # remember [start, t) as full
                if (
                    inside >= 0
                    and starts[inside] <= start <= ends[inside]
                    and (inside + 1 == len(starts) or starts[inside + 1] > t)
                ):
                    grew = ends[inside] < t  # most often: the span the walk started in grows
                    if grew:
                        ends[inside] = t
                else:
                    grew = merge_span(starts, ends, start, t)
                if grew:
                    if key is None:
                        self._found.pop(domain, None)  # the skips may differ now
                    elif t % SECOND and t > self._uneven_ends.get((key, domain), 0):
                        self._uneven_ends[(key, domain)] = t
            if key is None and found is not None and first_look:
                self._found[domain] = (start, found, day)
            proven = found
        self._proven = proven
        return t

    def earliest(self, start: int, board: int, link: str, domain: str) -> int:
        """The earliest time >= start every rule allows: the walk on the domain's rules, then on
        the board's from where it ended, then the link's gap checked."""
        t = start
        gap_link = self._gaps[2]
        walk, by_link = self._walk, self.by_link
        for _ in _STEPS:
            # After the link's gap moved t, the walks skip the spans already proven full again (a
            # step at a time through a packed week cost seconds on an unlucky jitter).
            t = walk(t, board, domain)
            if t == self._proven:  # the walks found every rule but the link's kept at t (in a window)
                times = by_link.get(link) if link else None
                if not times:
                    return t
                moved = push_past(times, t, gap_link)
            else:
                t = self.window_at(t)
                moved = self.conflict(t, board, link, domain)
            if moved is None:
                return t
            t = moved if moved > t + SECOND else t + SECOND
        raise InvalidInput("schedule", "no free slot found within the posting rules; loosen them in the rules file")
