"""How long a test takes at this shop's traffic, and what it can promise by then.

Owns sizing, from the shop's traffic (`pinbot.experiments.traffic`): the number of rounds whose pins, once they have had
time to collect impressions, give the information the sequential test needs to find the lift
worth finding with the target power; the horizon; the looks; and the power actually promised.

The information is on the test's own scale (`pinbot.stats.paired_test`): per stratum (one pin of
each design) the expected weight given the clicks it will have, drawn over uneven reach
(lognormal) and the pins' own click rates, by a fixed-seed Monte Carlo, so the same shop always
gets the same plan. Uneven reach and pin-to-pin spread are what make the information smaller than
the impressions suggest (the design effect); both are in, and so are boards of uneven reach (the
boards count equally) and what is not known about how much twins differ (the promise is averaged
over it: over what twins keep of past pins' spread, and over what the history's estimate of that
spread allows, `Traffic.spreads`), weighed as the verdict will weigh them, with the plan's spread.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist, fmean

from pinbot.experiments.traffic import Traffic, accrued
from pinbot.stats import POWER, t_two_sided_p
from pinbot.stats_sequential import power

DAY = 24.0  # hours
MATURE_DAYS = 28  # the last pins get this long before the final look
LOOK_EVERY_DAYS = 28
TARGET_POWER = POWER
# A design that does four times as well is past any difference two pin designs of one shop show: a
# test that can only see larger ones (one round on few products: its error has a degree of freedom
# or two) cannot tell the owner anything, and offering "--lift 492471" read as a fault.
LARGEST_LIFT = 3.0
_N = NormalDist()


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


@lru_cache(maxsize=128)
def _weights(
    reach_spread: float, pin_spread: float, lift: float, weigh_spread: float
) -> tuple[tuple[float, float, float, float], ...]:
    """(log expected stratum clicks, expected weight, expected weight x step under `lift`, expected
    weight² x the step's variance) on a grid, for twins that differ by `pin_spread` and a test that
    weighs them as if they differed by `weigh_spread`.

    The step (`pinbot.stats._score_step`) reads a true lift a little short when reach is uneven,
    so the plan's promise uses what the test will really see, not the log of the lift.
    """
    rng = random.Random(20261129)
    draws = [
        (
            math.exp(rng.gauss(-(reach_spread**2) / 2, reach_spread)),
            math.exp(rng.gauss(-(reach_spread**2) / 2, reach_spread)),
            math.exp(rng.gauss(-(pin_spread**2) / 2, pin_spread)),
            math.exp(rng.gauss(-(pin_spread**2) / 2, pin_spread)),
        )
        for _ in range(600)
    ]
    theta = 1 + lift
    table = []
    for i in range(49):
        mu = 0.2 * 10 ** (i / 12)  # 0.2 to 2,000 clicks
        weight = step = spent = 0.0
        for ra, rb, qa, qb in draws:
            m, share = _poisson(rng, mu / 2 * (ra * qa + rb * qb)), rb / (ra + rb)
            if m > 0:
                chance = 1 / (m * share * (1 - share))
                w = 1 / (chance + 2 * weigh_spread**2)
                weight += w
                step += w * (theta - 1) / (1 - share + share * theta)  # the step's expectation
                spent += w * w * (chance + 2 * pin_spread**2)
        table.append((math.log(mu), weight / len(draws), step / len(draws), spent / len(draws)))
    return tuple(table)


def expected_weight(
    clicks: float, reach_spread: float, pin_spread: float, lift: float = 0.0, weigh_spread: float | None = None
) -> tuple[float, float, float]:
    """A stratum's expected weight in the test, weight x step under `lift`, and weight² x the
    step's variance, when its two pins are expected to have `clicks` (the test weighs them with
    `weigh_spread`, the twins' true `pin_spread` by default)."""
    if clicks <= 0:
        return 0.0, 0.0, 0.0
    weigh = pin_spread if weigh_spread is None else weigh_spread
    table = _weights(round(reach_spread, 2), round(pin_spread, 2), round(lift, 3), round(weigh, 2))
    x = math.log(clicks)
    if x <= table[0][0]:
        f = clicks / math.exp(table[0][0])
        return table[0][1] * f, table[0][2] * f, table[0][3] * f
    for (x0, w0, s0, v0), (x1, w1, s1, v1) in itertools.pairwise(table):
        if x <= x1:
            f = (x - x0) / (x1 - x0)
            return w0 + (w1 - w0) * f, s0 + (s1 - s0) * f, v0 + (v1 - v0) * f
    return table[-1][1], table[-1][2], table[-1][3]


@dataclass(frozen=True)
class Sizing:
    rounds: int
    horizon_hours: float  # from the first pin to the final look
    information: float  # expected at the final look
    fractions: tuple[float, ...]  # expected information fraction at each look
    power: float  # chance to find the planned lift by the horizon (the promise)
    detectable: float  # the lift found with the target power by the horizon
    clicks: float  # expected clicks per design by the horizon

    @property
    def days(self) -> int:
        return math.ceil(self.horizon_hours / DAY)


Strata = Sequence[Sequence[float]]  # per stratum, its pins' posting times (hours after the first pin)


def information_at(
    strata: Strata, at_hours: float, t: Traffic, lift: float = 0.0, spread: float | None = None, boards: int = 1
) -> tuple[float, float]:
    """Expected information by then, and its expected z-scale signal (information x the expected
    estimate) under `lift`, when twins differ by `spread` (the plan's own by default).

    The strata are shared evenly by `boards` boards whose reach differs as the shop's do, and the
    boards count equally in the test (`pinbot.stats.paired_test`): a board with little reach weighs
    as much as a busy one, so uneven boards give less information than all the strata pooled.
    The test weighs strata with the plan's spread whatever the twins' true one: weights that do
    not fit the truth give less information than those that would.
    """
    spread = t.pin_spread if spread is None else spread
    factors = t.board_factors(boards)
    inverse = estimate = 0.0
    for g in factors:
        total = signal = spent = 0.0
        for times in strata:
            clicks = g * sum(t.rate * t.per_pin * accrued((at_hours - h) / DAY) for h in times)
            w, ws, wwv = expected_weight(clicks, t.reach_spread, spread, lift, t.pin_spread)
            total, signal, spent = total + w, signal + ws, spent + wwv
        if total <= 0 or spent <= 0:
            return 0.0, 0.0
        # The board's estimate is signal / total, with variance spent / total² (the factor of boards
        # cancels: each board holds 1 / boards of the strata).
        inverse += spent / total**2 * len(factors)
        estimate += signal / total / len(factors)
    info = len(factors) ** 2 / inverse
    return info, estimate * info


def _drifts(strata: Strata, at_hours: float, t: Traffic, lift: float, cost: float, boards: int) -> list[float]:
    """The expected z at `at_hours` beyond the t margin, for each spread the twins may have (`Traffic.spreads`)."""
    out = []
    for spread in t.spreads:
        info, signal = information_at(strata, at_hours, t, lift, spread, boards)
        out.append(max(signal / math.sqrt(info) - cost, 0.0) if info > 0 else 0.0)
    return out


@lru_cache(maxsize=256)
def t_cost(alpha: float, df: int) -> float:
    """How much further a statistic read against t(df) must go than a normal one to pass at `alpha`
    (the verdict reads its error from the strata's own spread: `pinbot.stats.paired_test`)."""
    normal = _N.inv_cdf(1 - alpha / 2)
    lo, hi = normal, normal + 60.0
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if t_two_sided_p(mid, max(df, 1)) > alpha else (lo, mid)
    return hi - normal


def error_df(boards: int, products: int, rounds: int) -> int:
    """The degrees of freedom the verdict's error will have: a unit per round on each board (per
    stratum when there is one round), less one per board for the board's own average."""
    return max(1, boards * (rounds - 1 if rounds > 1 else products - 1))


def size(strata: Strata, t: Traffic, lift: float, alpha: float, rounds: int, df: int = 1000, boards: int = 1) -> Sizing:
    """What `rounds` rounds (the strata given are theirs, with posting times) promise, for a verdict
    whose error has `df` degrees of freedom."""
    last = max(h for times in strata for h in times)
    horizon = last + MATURE_DAYS * DAY
    looks = [LOOK_EVERY_DAYS * DAY * j for j in range(1, int(horizon // (LOOK_EVERY_DAYS * DAY)) + 1)]
    looks = [h for h in looks if h < horizon - DAY] + [horizon]
    info = information_at(strata, horizon, t, boards=boards)[0]
    if info <= 0:
        return Sizing(rounds, horizon, 0.0, (1.0,), 0.0, math.inf, 0.0)
    fractions = tuple(max(information_at(strata, h, t, boards=boards)[0] / info, 1e-3) for h in looks)
    fractions = tuple(f for i, f in enumerate(fractions) if i == 0 or f > fractions[i - 1] + 1e-4)
    scale = math.sqrt(info)
    cost = t_cost(alpha, df)
    # The promise: the chance to find the lift, averaged over what the twins' spread may be.
    promised = fmean(power(fractions, alpha, d) for d in _drifts(strata, horizon, t, lift, cost, boards))
    # The lift it finds with the target power (fixed-sample approximation, close for these boundaries).
    drift = _N.inv_cdf(1 - alpha / 2) + _N.inv_cdf(TARGET_POWER) + cost
    clicks = sum(t.rate * t.per_pin * accrued((horizon - h) / DAY) for times in strata for h in times) / 2
    return Sizing(rounds, horizon, info, fractions, promised, math.expm1(drift / scale), clicks)


def quick_power(strata: Strata, t: Traffic, lift: float, alpha: float, df: int = 1000, boards: int = 1) -> float:
    """Fixed-sample power at the horizon: the sequential one is within a point or two, for searching."""
    last = max(h for times in strata for h in times)
    drifts = _drifts(strata, last + MATURE_DAYS * DAY, t, lift, t_cost(alpha, df), boards)
    return fmean(_N.cdf(d - _N.inv_cdf(1 - alpha / 2)) if d > 0 else 0.0 for d in drifts)


LINK_GAP_HOURS = 48  # the same product link at most once per 48 h (spam-block advice)
MAX_DAYS = 180  # a test longer than about six months is not one a small shop can wait for


def every_hours(products: int) -> int:
    return max(12, math.ceil(LINK_GAP_HOURS / products))


def schedule(
    designs: int, boards: int, products: int, rounds: int, every: int, seed: int = 0
) -> list[tuple[int, int, int, int, int]]:
    """(round, board, design, product, hours after the first pin) of every pin, in posting order.

    In each round on each board the designs go out one after another (a product's pins must be
    48 h apart), so which design goes first is drawn at random, each design first equally often:
    a fixed rotation would line up with the weekly cycle and hand one design the better weekdays
    in every round, a bias no amount of data removes.
    """
    blocks = rounds * boards
    firsts = [i % designs for i in range(blocks)]
    random.Random(seed).shuffle(firsts)
    out = []
    slot = 0
    for r in range(rounds):
        for b in range(boards):
            shift = firsts[r * boards + b]
            for d in [*range(shift, designs), *range(shift)]:
                for p in range(products):
                    out.append((r, b, d, p, every * slot))
                    slot += 1
    return out


def strata_of(pins: Sequence[tuple[int, int, int, int, int]]) -> list[list[float]]:
    cells: dict[tuple[int, int, int], list[float]] = {}
    for r, b, _d, p, h in pins:
        cells.setdefault((r, b, p), []).append(float(h))
    return list(cells.values())


@dataclass(frozen=True)
class Proposal:
    """The rounds to queue and what they promise; `feasible` when the target power fits in MAX_DAYS."""

    sizing: Sizing
    feasible: bool
    every: int


def propose(
    t: Traffic,
    designs: int,
    boards: int,
    products: int,
    lift: float,
    alpha: float,
    max_rounds: int,
    rounds: int | None,
    every: int | None = None,
) -> Proposal:
    """The fewest rounds (up to `max_rounds` and MAX_DAYS) that find `lift` with TARGET_POWER, or `rounds`."""
    every = every or every_hours(products)

    def strata(n: int) -> list[list[float]]:
        return strata_of(schedule(designs, boards, products, n, every))

    def df(n: int) -> int:
        return error_df(boards, products, n)

    def days(n: int) -> float:
        return (designs * boards * products * n - 1) * every / DAY + MATURE_DAYS

    if rounds is None:
        longest = max([n for n in range(1, max_rounds + 1) if days(n) <= MAX_DAYS], default=1)
        rounds = longest
        for n in range(1, longest + 1):  # the GS looks cost a point or two: search with a margin
            if quick_power(strata(n), t, lift, alpha / (designs - 1), df(n), boards) >= TARGET_POWER + 0.02:
                rounds = n
                break
        sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds), boards)
        while sizing.power < TARGET_POWER and rounds < longest:
            rounds += 1
            sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds), boards)
    else:
        sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds), boards)
    return Proposal(sizing, sizing.power >= TARGET_POWER - 1e-9, every)
