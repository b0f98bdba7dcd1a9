"""How long a test takes at this shop's traffic, and what it can promise by then.

Owns reading the shop's traffic from its history (click rate, a pin's impressions over its first
30 days, how uneven reach is between pins, how much pins' click rates differ) or stating the
prior used when there is none, and sizing: the number of rounds whose pins, once they have had
time to collect impressions, give the information the sequential test needs to find the lift
worth finding with the target power; the horizon; the looks; and the power actually promised.

The information is on the test's own scale (`pinbot.stats.paired_test`): per stratum (one pin of
each design) the expected weight given the clicks it will have, drawn over uneven reach
(lognormal) and the pins' own click rates, by a fixed-seed Monte Carlo, so the same shop always
gets the same plan. Uneven reach and pin-to-pin spread are what make the information smaller than
the impressions suggest (the design effect); both are in.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist, fmean, pstdev

from pinbot.stats import PIN_SPREAD, POWER, t_two_sided_p
from pinbot.stats_sequential import power

DAY = 24.0  # hours
ACCRUAL_DAYS = 10.0  # a pin gets most of its impressions in its first weeks (1 - e^(-age/10))
MATURE_DAYS = 28  # the last pins get this long before the final look
LOOK_EVERY_DAYS = 28
TARGET_POWER = POWER
PRIOR_PER_PIN = 1000  # a small shop's pin over its first 30 days, when the shop has no history
PRIOR_REACH_SPREAD = 1.0  # log-scale spread of reach between pins (a long tail)
MIN_HISTORY_PINS = 10
_N = NormalDist()


@dataclass(frozen=True)
class Traffic:
    rate: float
    per_pin: float  # mean impressions of a pin over its first 30 days
    reach_spread: float
    pin_spread: float
    source: str

    def as_dict(self) -> dict[str, float | str]:
        return {
            "rate": self.rate,
            "impressions_per_pin_30d": round(self.per_pin),
            "reach_spread": round(self.reach_spread, 3),
            "pin_spread": round(self.pin_spread, 3),
            "source": self.source,
        }


def accrued(age_days: float) -> float:
    """Share of a pin's first-30-day impressions it has at this age."""
    if age_days <= 0:
        return 0.0
    return (1 - math.exp(-age_days / ACCRUAL_DAYS)) / (1 - math.exp(-30 / ACCRUAL_DAYS))


History = Sequence[tuple[int, int, float, str]]  # per pin: successes, impressions, age in days, board|product


def traffic(pins: History, prior_rate: float) -> Traffic:
    """From the shop's pins, or the stated prior.

    An experiment compares pins of one board and product, so how uneven reach is and how much
    click rates differ are measured among pins of the same board and product (pins alone on
    theirs add nothing); with too few such pins, among all pins, which errs on the careful side.
    """
    grown = [(x, n, a, g) for x, n, a, g in pins if a >= 7 and n > 0]
    hits, shown = sum(u[0] for u in grown), sum(u[1] for u in grown)
    if len(grown) < MIN_HISTORY_PINS or hits < 20:
        return Traffic(
            prior_rate,
            PRIOR_PER_PIN,
            PRIOR_REACH_SPREAD,
            PIN_SPREAD,
            f"a typical small shop's {prior_rate:.1%} and {PRIOR_PER_PIN:,} impressions a pin in its first 30 days "
            "(not enough history of your own yet)",
        )
    rate = hits / shown
    logs = [math.log(n / accrued(min(a, 90))) for _, n, a, _ in grown]
    per_pin = math.exp(fmean(logs) + pstdev(logs) ** 2 / 2)
    groups: dict[str, list[int]] = {}
    for i, u in enumerate(grown):
        groups.setdefault(u[3], []).append(i)
    paired = [ids for ids in groups.values() if len(ids) > 1]
    if sum(len(ids) for ids in paired) < MIN_HISTORY_PINS:
        paired = [list(range(len(grown)))]
    # Reach: log impressions around their group's mean (degrees of freedom: pins - groups).
    dev = sum((logs[i] - fmean(logs[j] for j in ids)) ** 2 for ids in paired for i in ids)
    dof = sum(len(ids) - 1 for ids in paired)
    spread = max(0.3, math.sqrt(dev / dof))
    # Click rates beyond chance around their group's rate (method of moments).
    num = den = 0.0
    for ids in paired:
        gx, gn = sum(grown[i][0] for i in ids), sum(grown[i][1] for i in ids)
        if gx <= 0:
            continue
        r = gx / gn
        num += sum((grown[i][0] - r * grown[i][1]) ** 2 - r * grown[i][1] * (1 - grown[i][1] / gn) for i in ids)
        # The spread's share of those residuals once the group's own rate is taken out: the big pins
        # set that rate, so with uneven reach their residuals shrink far more than 1 - 1/pins says.
        s2, s3 = sum(grown[i][1] ** 2 for i in ids), sum(grown[i][1] ** 3 for i in ids)
        den += r * r * (s2 - 2 * s3 / gn + s2 * s2 / gn**2)
    pin_spread = min(0.6, max(0.1, math.sqrt(max(num / den, 0.0)))) if den > 0 else PIN_SPREAD
    return Traffic(
        rate,
        per_pin,
        spread,
        pin_spread,
        f"the shop's last 90 days ({shown:,} impressions over {len(grown)} pins)",
    )


def _poisson(rng: random.Random, lam: float) -> int:
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


@lru_cache(maxsize=64)
def _weights(reach_spread: float, pin_spread: float, lift: float) -> tuple[tuple[float, float, float], ...]:
    """(log expected stratum clicks, expected weight, expected weight x step under `lift`) on a grid.

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
        weight = step = 0.0
        for ra, rb, qa, qb in draws:
            m, share = _poisson(rng, mu / 2 * (ra * qa + rb * qb)), rb / (ra + rb)
            if m > 0:
                w = 1 / (1 / (m * share * (1 - share)) + 2 * pin_spread**2)
                weight += w
                step += w * (theta - 1) / (1 - share + share * theta)  # the step's expectation
        table.append((math.log(mu), weight / len(draws), step / len(draws)))
    return tuple(table)


def expected_weight(clicks: float, reach_spread: float, pin_spread: float, lift: float = 0.0) -> tuple[float, float]:
    """A stratum's expected weight in the test, and weight x step under `lift`, when its two pins
    are expected to have `clicks`."""
    if clicks <= 0:
        return 0.0, 0.0
    table = _weights(round(reach_spread, 2), round(pin_spread, 2), round(lift, 3))
    x = math.log(clicks)
    if x <= table[0][0]:
        f = clicks / math.exp(table[0][0])
        return table[0][1] * f, table[0][2] * f
    for (x0, w0, s0), (x1, w1, s1) in itertools.pairwise(table):
        if x <= x1:
            f = (x - x0) / (x1 - x0)
            return w0 + (w1 - w0) * f, s0 + (s1 - s0) * f
    return table[-1][1], table[-1][2]


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


def information_at(strata: Strata, at_hours: float, t: Traffic, lift: float = 0.0) -> tuple[float, float]:
    """Expected information by then, and its expected z-scale signal (sum of weight x step) under `lift`."""
    total = signal = 0.0
    for times in strata:
        clicks = sum(t.rate * t.per_pin * accrued((at_hours - h) / DAY) for h in times)
        w, ws = expected_weight(clicks, t.reach_spread, t.pin_spread, lift)
        total, signal = total + w, signal + ws
    return total, signal


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


def size(strata: Strata, t: Traffic, lift: float, alpha: float, rounds: int, df: int = 1000) -> Sizing:
    """What `rounds` rounds (the strata given are theirs, with posting times) promise, for a verdict
    whose error has `df` degrees of freedom."""
    last = max(h for times in strata for h in times)
    horizon = last + MATURE_DAYS * DAY
    looks = [LOOK_EVERY_DAYS * DAY * j for j in range(1, int(horizon // (LOOK_EVERY_DAYS * DAY)) + 1)]
    looks = [h for h in looks if h < horizon - DAY] + [horizon]
    info, signal = information_at(strata, horizon, t, lift)
    if info <= 0:
        return Sizing(rounds, horizon, 0.0, (1.0,), 0.0, math.inf, 0.0)
    fractions = tuple(max(information_at(strata, h, t)[0] / info, 1e-3) for h in looks)
    fractions = tuple(f for i, f in enumerate(fractions) if i == 0 or f > fractions[i - 1] + 1e-4)
    scale = math.sqrt(info)
    cost = t_cost(alpha, df)
    promised = power(fractions, alpha, max(signal / scale - cost, 0.0))
    # The lift it finds with the target power (fixed-sample approximation, close for these boundaries).
    drift = _N.inv_cdf(1 - alpha / 2) + _N.inv_cdf(TARGET_POWER) + cost
    clicks = sum(t.rate * t.per_pin * accrued((horizon - h) / DAY) for times in strata for h in times) / 2
    return Sizing(rounds, horizon, info, fractions, promised, math.expm1(drift / scale), clicks)


def quick_power(strata: Strata, t: Traffic, lift: float, alpha: float, df: int = 1000) -> float:
    """Fixed-sample power at the horizon: the sequential one is within a point or two, for searching."""
    last = max(h for times in strata for h in times)
    info, signal = information_at(strata, last + MATURE_DAYS * DAY, t, lift)
    edge = _N.inv_cdf(1 - alpha / 2) + t_cost(alpha, df)
    return _N.cdf(signal / math.sqrt(info) - edge) if info > 0 else 0.0


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
            if quick_power(strata(n), t, lift, alpha / (designs - 1), df(n)) >= TARGET_POWER + 0.02:
                rounds = n
                break
        sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds))
        while sizing.power < TARGET_POWER and rounds < longest:
            rounds += 1
            sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds))
    else:
        sizing = size(strata(rounds), t, lift, alpha / (designs - 1), rounds, df(rounds))
    return Proposal(sizing, sizing.power >= TARGET_POWER - 1e-9, every)
