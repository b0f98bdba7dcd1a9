"""Sorted instants of a schedule, kept in blocks, and the range questions the rules ask of them.

Owns `Times`: the instants (int microseconds) of all pins, of a board or of a domain, in order. A
flat sorted list answers with one bisect, but a big import fills the schedule board after board,
so most new pins land in the middle of 100,000 others and each insert moved them all (seconds of
memory copying per import). In blocks of a few hundred, an insert moves one block. Also owns
`push_past`, the same question of a plain sorted list (a link's few pins), and `merge_span`, for
the spans of time a search has proven full (sorted starts and ends).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator

# A block splits in two above this. Most questions bisect one block only (see `near`): the
# smaller the blocks, the fewer comparisons, down to where splitting and `maxes` start to cost.
_BLOCK = 128


class Times:
    """Sorted ints in blocks; `maxes` holds the last instant of each block."""

    __slots__ = ("blocks", "maxes", "near", "size")

    def __init__(self, ordered: list[int] | None = None) -> None:
        ordered = ordered or []
        half = _BLOCK // 2
        self.blocks: list[list[int]] = [ordered[i : i + half] for i in range(0, len(ordered), half)]
        self.maxes: list[int] = [block[-1] for block in self.blocks]
        self.size = len(ordered)
        # The block the last bisect of `maxes` found: the next question is most often in it too
        # (a walk, the jitter's check and the insert of one pin are minutes apart), then no bisect.
        self.near = 0

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        for block in self.blocks:
            yield from block

    def insert(self, at: int) -> None:
        """Add `at` after any equal instant (as `bisect.insort`)."""
        maxes, blocks = self.maxes, self.blocks
        self.size += 1
        if not maxes:
            blocks.append([at])
            maxes.append(at)
            return
        # At the end (most of an import that fills the schedule in order): no bisect
        if at >= maxes[-1]:
            k = len(maxes) - 1
            blocks[k].append(at)
            maxes[k] = at
        else:
            k = self.near
            if maxes[k] <= at or (k and maxes[k - 1] > at):
                k = self.near = bisect_right(maxes, at)
            insort(blocks[k], at)
        block = blocks[k]
        if len(block) > _BLOCK:
            half = len(block) // 2
            blocks.insert(k + 1, block[half:])
            del block[half:]
            maxes.insert(k, block[-1])

    def push(self, t: int, gap: int) -> int | None:
        """The time t must move to so that no instant is closer than `gap`, or None: the latest
        instant closer decides, then the packed run after it is slid past at once."""
        if gap <= 0:
            return None
        maxes = self.maxes
        low = t - gap
        # Past every instant (most asks of a walk at the end of the schedule): no bisect
        if not maxes or low >= maxes[-1]:
            return None
        k = self.near
        if maxes[k] <= low or (k and maxes[k - 1] > low):
            k = self.near = bisect_right(maxes, low)
        blocks = self.blocks
        block = blocks[k]
        i = bisect_right(block, low)
        high = t + gap
        if block[i] >= high:
            return None
        i = bisect_left(block, high, i)
        moved = block[i - 1] + gap
        n = len(block)
        while True:
            while i < n:
                at = block[i]
                if at >= moved + gap:
                    return moved
                moved = at + gap
                i += 1
            k += 1
            if k == len(blocks):
                return moved
            block, i = blocks[k], 0
            n = len(block)

    def burst_end(self, t: int, span: int, limit: int) -> int | None:
        """When at least `limit` instants are within `span` of t: the first of them plus `span`
        (the earliest time the burst may have left the span), else None."""
        maxes = self.maxes
        low = t - span
        if not maxes or low >= maxes[-1]:
            return None
        k = self.near
        if maxes[k] <= low or (k and maxes[k - 1] > low):
            k = self.near = bisect_right(maxes, low)
        blocks = self.blocks
        block = blocks[k]
        i = bisect_right(block, low)
        first = block[i]
        i += limit - 1
        while i >= len(block):
            i -= len(block)
            k += 1
            if k == len(blocks):
                return None
            block = blocks[k]
        return first + span if block[i] < t + span else None


def merge_span(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Merge [start, end) into the sorted spans (with the ones it touches); False if known already."""
    lo = bisect_left(ends, start)
    hi = bisect_right(starts, end)
    if lo + 1 == hi:  # most often: the span a walk started in grows
        if starts[lo] <= start and end <= ends[lo]:
            return False
        starts[lo], ends[lo] = min(start, starts[lo]), max(end, ends[lo])
    elif lo == hi:
        starts.insert(lo, start)
        ends.insert(lo, end)
    else:
        starts[lo:hi], ends[lo:hi] = [min(start, starts[lo])], [max(end, ends[hi - 1])]
    return True


def push_past(times: list[int], t: int, gap: int) -> int | None:
    """The time t must move to so that no entry of `times` is closer than `gap`, or None."""
    if gap <= 0 or not times:
        return None
    i = bisect_right(times, t - gap)
    if i < len(times) and times[i] < t + gap:
        # The latest conflicting entry decides (each conflict is within gap of t); then slide
        # past the rest of a packed run at once instead of one entry per call.
        j = bisect_left(times, t + gap, i) - 1
        moved = times[j] + gap
        for k in range(j + 1, len(times)):
            if times[k] >= moved + gap:
                break
            moved = times[k] + gap
        return moved
    return None
