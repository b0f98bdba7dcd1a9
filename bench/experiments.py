"""Do experiments keep their promise? Power stated vs achieved, false winners, inconclusive endings.

Runs `tests/shop_sim.py` (an independent simulation of small shops: heavy-tailed reach, decay,
board/product/hour/weekday effects, per-pin click-rate spread, board x design interaction, a viral
pin) over many shops per condition, planning and judging each test with pinbot's own code.

    .venv/bin/python bench/experiments.py [--shops 200] [--jobs 2] [--only 'as spread as twins']
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a queue.py: put the repository first, not this folder, so the stdlib's queue wins.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

import argparse  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402

from tests.shop_sim import CONDITIONS, Outcome, run_shop, summarise  # noqa: E402


def _pct(x: float, width: int) -> str:
    return f"{'—' if x != x else f'{x:.1%}':>{width}}"  # nan: no lift, so no power to achieve


def _run(args: tuple[int, int]) -> Outcome:
    seed, index = args
    return run_shop(seed, CONDITIONS[index])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--only", default="", help="run only the conditions whose name contains this")
    opts = parser.parse_args()
    print(
        f"{'condition':<50} {'shops':>5} {'feas.':>5} {'stated':>7} {'achieved':>8} "
        f"{'st.feas':>7} {'ach.feas':>8} {'false':>6} {'inconcl.':>8} {'days':>5}"
    )
    with ProcessPoolExecutor(opts.jobs) as pool:
        for i, cond in enumerate(CONDITIONS):
            if opts.only not in cond.name:
                continue
            start = time.monotonic()
            outs = list(pool.map(_run, [(opts.seed + s, i) for s in range(opts.shops)], chunksize=4))
            r = summarise(cond, outs)
            print(
                f"{cond.name:<50} {r['shops']:>5} {r['feasible']:>5} {r['stated_power']:>7.1%} "
                f"{_pct(r['achieved_power'], 8)} {r['stated_power_feasible']:>7.1%} "
                f"{_pct(r['achieved_power_feasible'], 8)} "
                f"{r['false_winners']:>6.1%} {r['inconclusive']:>8} {r['median_days']:>5}"
                f"   ({time.monotonic() - start:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
