"""Planner benchmark: is placing new pins linear in the pins placed, whatever the size of the queue?

The pins of a 100,000-row import (10 boards, 10,000 product links, the posting rules' defaults)
are placed by the planner; then 10,000 and 20,000 more are placed into a queue holding the first
0, 25,000, 50,000 or all 100,000 of them, loaded as `pinbot queue import` loads a queue
(`Schedule.load`, from each pin's time, board and link). The queue of 0 is the floor: the same
pins placed with nothing in the way. The figure is the planner's CPU in this process for each
10,000 pins placed (20,000 less 10,000: what a pin costs, apart from the first search from now,
which walks the whole queue once an import); the least of `--repeat` runs.

Run: .venv/bin/python bench/planner.py [--rows 100000] [--more 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from pinbot.queue.planner import Item, place_into
from pinbot.queue.schedule import Schedule, to_us
from pinbot.shop.rules import ScheduleRules

NOW = datetime(2026, 11, 30, 10, 30, tzinfo=UTC)
BOARDS = 10


def items(first: int, rows: int) -> list[Item]:
    """The rows `bench/queue.py` imports, as the planner sees them: each photo's product link on
    every board (one row each; a source key per row, so each is a group of one)."""
    per_board = max(1, rows // BOARDS)
    out = []
    for i in range(first, first + rows):
        p, b = first // BOARDS + (i - first) % per_board, (i - first) // per_board % BOARDS
        out.append(Item(b + 1, f"https://shop.example.com/mug-{p}", f"csv:sku-{p}-{b}"))
    return out


def queue_of(rules: ScheduleRules, tz: ZoneInfo, placed: list[tuple[int, Item]]) -> Schedule:
    sched = Schedule(rules, tz)
    if placed:
        sched.load([at for at, _ in placed], [it.board for _, it in placed], [it.link for _, it in placed])
    return sched


def cpu(work: Callable[[], object]) -> float:
    gc.collect()
    gc.disable()  # as `pinbot queue import` runs (its collector is paused)
    try:
        t0 = time.process_time()
        work()
        return time.process_time() - t0
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--more", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rules, tz = ScheduleRules(), ZoneInfo("Europe/London")
    base = items(0, args.rows)
    times = place_into(Schedule(rules, tz), base, NOW, random.Random(1))
    placed = [(to_us(at), it) for at, it in zip(times, base, strict=True)]
    more = {n: items(args.rows, n) for n in (args.more, 2 * args.more)}
    sizes = [0, args.rows // 4, args.rows // 2, args.rows]
    least: dict[tuple[int, int], float] = {}
    for _ in range(args.repeat):
        for size in sizes:
            for n, new in more.items():
                sched = queue_of(rules, tz, placed[:size])
                took = cpu(partial(place_into, sched, new, NOW, random.Random(2)))
                least[size, n] = min(least.get((size, n), took), took)
    small, big = args.more, 2 * args.more
    floor = least[0, big] - least[0, small]
    print(f"planner, CPU s for each {args.more:,} pins placed (least of {args.repeat}):")
    each, pins = f"each {args.more:,}", (f"{small:,} pins", f"{big:,} pins")
    print(f"  {'queue of':>16} {each:>12} {'ratio':>7} {pins[0]:>12} {pins[1]:>12}")
    for size in sizes:
        one, two = least[size, small], least[size, big]
        step = two - one
        print(f"  {size:>16,} {step:>12.3f} {step / floor:>6.2f}x {one:>12.3f} {two:>12.3f}")
    print("  the queue of 0 is the floor; linear in the pins placed, whatever the queue: about 1x")


if __name__ == "__main__":
    main()
