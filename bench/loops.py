"""Loops benchmark: a year of loops on a FakeClock, topped up every morning and posted as they fall due.

1. The shop of issue 18: 40 products, two evergreen loops and one seasonal loop (Oct 27 - Dec 24),
   one product sold out for a month: the rules checked on every pin that went out.
2. Planning time for 200 products x 10 boards x 365 days: the time spent in the daily top-ups
   (selection, fresh designs, wording, the planner and the lint through QueueService.enqueue).

Run: .venv/bin/python bench/loops.py [--days 365] [--products 200] [--boards 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pinbot.clock import FakeClock  # noqa: E402
from pinbot.loops.store import LoopSpec  # noqa: E402
from pinbot.store import db  # noqa: E402
from tests.loops_support import Outcome, make_shop, run, standard_loops  # noqa: E402


def _engine(folder: str, name: str):  # type: ignore[no-untyped-def]
    engine = db.make_engine(f"sqlite:///{folder}/{name}.db")
    db.migrate(engine)
    return engine


def issue_shop(folder: str, days: int) -> tuple[Outcome, int | None]:
    shop = make_shop(_engine(folder, "issue"), FakeClock(datetime(2026, 1, 1, 11)), 40, 4)
    standard_loops(shop)
    out = run(shop, days, {100: [("out", "p3")], 130: [("in", "p3")]})
    return out, shop.products.get("p3").id


def big_shop(folder: str, days: int, products: int, boards: int) -> tuple[Outcome, float]:
    shop = make_shop(_engine(folder, "big"), FakeClock(datetime(2026, 1, 1, 11)), products, boards)
    keys = list(shop.boards)
    half = len(keys) // 2
    shop.loops.create(LoopSpec("all-a", boards=tuple(keys[:half]), every_days=30))
    shop.loops.create(LoopSpec("all-b", boards=tuple(keys[half:]), every_days=45))
    season = {"season_start": "10-27", "season_end": "12-24"}
    shop.loops.create(LoopSpec("gifts", boards=(keys[0],), selection={"tags": ["gift"]}, every_days=7, **season))
    enqueue = shop.queue.enqueue
    spent = [0.0]

    def timed(requests):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return enqueue(requests)
        finally:
            spent[0] += time.perf_counter() - t

    shop.queue.enqueue = timed  # type: ignore[method-assign]
    t0 = time.perf_counter()
    out = run(shop, days)
    out.enqueue_seconds = spent[0]
    return out, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--boards", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out, p3 = issue_shop(folder, args.days)
        print(f"Issue shop: 40 products, 4 boards, {args.days} days")
        print(f"  pins posted: {out.posted} ({dict(out.per_loop)}); most in one day: {max(out.per_day.values())}")
        print(f"  rule problems (cap, gaps, photo+design repeats): {len(out.problems)}")
        for line in out.problems[:5]:
            print(f"    {line}")
        print(f"  days that ended with nothing queued: {len(out.dry_days)}")
        if "christmas" in out.first_last:
            first, last = out.first_last["christmas"]
            print(f"  seasonal loop (10-27 to 12-24): first pin {first}, last pin {last}")
        days = sorted(out.product_days.get(p3 or 0, []))
        gap = [d for d in days if date(2026, 4, 11) <= d < date(2026, 5, 11)]
        after = [d for d in days if d >= date(2026, 5, 11)]
        print(f"  product p3 sold out 2026-04-11..05-10: {len(gap)} pins meanwhile, next one {after[:1]}")
        print(f"  planning time: {out.plan_seconds:.2f} s over {out.topups} top-ups (CPU {out.plan_cpu_seconds:.2f} s)")
        big, wall = big_shop(folder, args.days, args.products, args.boards)
        per = big.plan_seconds / max(big.topups, 1)
        print(f"\nBig shop: {args.products} products x {args.boards} boards x {args.days} days")
        print(f"  pins posted: {big.posted}; rule problems: {len(big.problems)}; dry days: {len(big.dry_days)}")
        print(f"  planning time: {big.plan_seconds:.2f} s in {big.topups} top-ups ({per * 1000:.1f} ms each)")
        print(f"    CPU time of this process in them: {big.plan_cpu_seconds:.2f} s")
        own = big.plan_seconds - big.enqueue_seconds
        print(f"    of which the loops' own choices (selection, fresh designs, wording): {own:.2f} s")
        print(f"    and QueueService.enqueue (planner, lint, insert): {big.enqueue_seconds:.2f} s")
        print(f"  whole simulation (with the simulated posting and checks): {wall:.2f} s")
        print(f"  goal: planning under 2 s -> {'met' if big.plan_seconds < 2 else 'NOT met'}")
        print(
            f"  load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
