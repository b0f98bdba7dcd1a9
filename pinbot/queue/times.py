"""Sorted instants of a schedule, kept in blocks, and the two range questions the rules ask of them.

Owns `Times`: the instants (int microseconds) of all pins, of a board or of a domain, in order. A
flat sorted list answers with one bisect, but a big import fills the schedule board after board,
so most new pins land in the middle of 100,000 others and each insert moved them all (seconds of
memory copying per import). In blocks of about a thousand, an insert moves one block.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator

_BLOCK = 1024  # a block splits in two above this


class Times:
    """Sorted ints in blocks; `maxes` holds the last instant of each block."""

    __slots__ = ("blocks", "maxes", "size")

    def __init__(self, ordered: list[int] | None = None) -> None:
        ordered = ordered or []
        half = _BLOCK // 2
        self.blocks: list[list[int]] = [ordered[i : i + half] for i in range(0, len(ordered), half)]
        self.maxes: list[int] = [block[-1] for block in self.blocks]
        self.size = len(ordered)

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
            k = bisect_right(maxes, at)
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
        k = bisect_right(maxes, low)
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
        k = bisect_right(maxes, low)
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
