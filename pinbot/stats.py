"""The statistics behind every rate pinbot shows and every verdict it gives: pure Python, no numpy.

Owns: Wilson score intervals for a rate, the two-proportion z-test (with a quasi-binomial
correction when pins vary more than chance allows), the posterior probability that one rate beats
another, a plain fixed-sample plan and its power, the experiment's comparison within strata
(`paired_test`) and the review's comparison of a group of pins with the rest (`compare_pins`).
When to look is `pinbot.stats_sequential`; how much information by when, `pinbot.experiments.sizing`.

Defaults: two-sided alpha 3% over all the looks, 92% power aimed for (bench/experiments.py).

How an experiment is compared (docs/statistics.md). A (round, board, product) cell holds one pin
of every design: a *stratum*. Pooled impressions would credit whichever design's big pin landed in
a better-clicking stratum. So:

1. each stratum gives a log rate ratio, one scoring step from "no difference" (`_score_step`);
2. a board's strata are averaged with weights 1 / (binomial variance + 2 * pin spread^2), so a pin
   with a huge reach cannot outweigh the rest; the boards then count equally;
3. the error comes from how much each board's strata really disagree (one round on one board is a
   cluster; never below the binomial noise), read against t: unplanned spread widens the test;
4. The information (what the weights promise) is what the plan sizes and the looks are placed by.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

ALPHA = 0.03  # two-sided false-winner rate per experiment over all its looks (split across comparisons)
POWER = 0.92  # the chance a plan aims for to find a true lift of the planned size by its horizon
MIN_LIFT = 0.30  # relative lift the default plan is sized to detect
PIN_SPREAD = 0.25  # how much twin pins' click rates differ (log scale) when a shop has no history
Z95 = 1.959963984540054
_N = NormalDist()


@dataclass(frozen=True)
class Rate:
    """A rate with its 95% Wilson interval (well-behaved at 0 successes and small samples)."""

    successes: int
    trials: int
    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "successes": self.successes,
            "trials": self.trials,
            "rate": self.value,
            "low": self.low,
            "high": self.high,
        }


def wilson(successes: int, trials: int, z: float = Z95) -> Rate:
    if trials <= 0:
        return Rate(successes, 0, 0.0, 0.0, 1.0)
    successes = max(0, min(successes, trials))
    p = successes / trials
    z2 = z * z
    denom = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return Rate(successes, trials, p, low, high)


@dataclass(frozen=True)
class Comparison:
    """Variant b against variant a: difference of rates, z statistic and two-sided p-value."""

    diff: float
    lift: float | None  # relative to a; None when a's rate is 0
    z: float
    p_value: float
    prob_b_better: float


def two_proportion_test(
    x_a: int, n_a: int, x_b: int, n_b: int, dispersion: float = 1.0, df: int | None = None
) -> Comparison:
    """Pooled two-proportion z-test.

    `dispersion` (>= 1) widens the variance for clustered data; when it was estimated from `df`
    degrees of freedom the statistic is read against Student's t instead of the normal.
    """
    if n_a <= 0 or n_b <= 0:
        return Comparison(0.0, None, 0.0, 1.0, 0.5)
    p_a, p_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    var = max(dispersion, 1.0) * pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    diff = p_b - p_a
    if var <= 0:
        z, p_value = 0.0, 1.0
    else:
        z = diff / math.sqrt(var)
        p_value = 2 * (1 - _N.cdf(_t_as_z(abs(z), df) if df and dispersion > 1 else abs(z)))
    lift = diff / p_a if p_a > 0 else None
    return Comparison(diff, lift, z, p_value, prob_better(x_a, n_a, x_b, n_b))


def _t_as_z(t: float, df: int) -> float:
    """The normal deviate with the same tail as Student's t (Abramowitz & Stegun 26.7.8)."""
    return t * (1 - 1 / (4 * df)) / math.sqrt(1 + t * t / (2 * df))


def prob_better(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """P(rate_b > rate_a) under independent Beta(1+x, 1+n-x) posteriors (normal approximation)."""

    def moments(x: int, n: int) -> tuple[float, float]:
        a, b = 1 + x, 1 + max(n - x, 0)
        mean = a / (a + b)
        return mean, a * b / ((a + b) ** 2 * (a + b + 1))

    m_a, v_a = moments(x_a, n_a)
    m_b, v_b = moments(x_b, n_b)
    sd = math.sqrt(v_a + v_b)
    return 0.5 if sd == 0 else _N.cdf((m_b - m_a) / sd)


def planned_sample(baseline: float, lift: float = MIN_LIFT, alpha: float = ALPHA, power: float = POWER) -> int:
    """Impressions per variant for a two-sided test to detect `baseline` -> `baseline*(1+lift)`."""
    if not 0 < baseline < 1:
        raise ValueError("baseline rate must be between 0 and 1")
    if lift <= 0:
        raise ValueError("minimum detectable lift must be positive")
    p1, p2 = baseline, min(baseline * (1 + lift), 0.999)
    z_a = _N.inv_cdf(1 - alpha / 2)
    z_b = _N.inv_cdf(power)
    pbar = (p1 + p2) / 2
    num = z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(num * num / (p2 - p1) ** 2)


def achieved_power(baseline: float, lift: float, trials: float, alpha: float = ALPHA) -> float:
    """The chance that `trials` impressions per variant find a true `lift` over `baseline` (two-sided,
    at `alpha`): `planned_sample` read backwards, so the power of its own plan is at least `POWER`."""
    if not 0 < baseline < 1 or lift <= 0 or trials <= 0:
        return 0.0
    p1, p2 = baseline, min(baseline * (1 + lift), 0.999)
    pbar = (p1 + p2) / 2
    z_a = _N.inv_cdf(1 - alpha / 2)
    spread = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return _N.cdf(((p2 - p1) * math.sqrt(trials) - z_a * math.sqrt(2 * pbar * (1 - pbar))) / spread)


def dispersion(groups: Sequence[Sequence[tuple[int, int]]]) -> tuple[float, int]:
    """Quasi-binomial dispersion of per-pin (successes, trials) around each group's own rate.

    Pins of one design differ (board, photo, season); when they differ more than binomial chance
    allows, an impression-level test would be overconfident. Returns (phi, degrees of freedom):
    phi is 1.0 unless the Pearson chi-square is significantly above its degrees of freedom
    (5% level), then chi2/df.
    """
    chi2 = 0.0
    units = 0
    for group in groups:
        used = [(x, n) for x, n in group if n > 0]
        total_n = sum(n for _, n in used)
        if total_n == 0:
            continue
        p = sum(x for x, _ in used) / total_n
        if p <= 0 or p >= 1:
            continue
        chi2 += sum((x - n * p) ** 2 / (n * p * (1 - p)) for x, n in used)
        units += len(used) - 1
    if units < 2:
        return 1.0, units
    # Wilson-Hilferty: the 95th percentile of chi-square with `units` degrees of freedom.
    k = units
    q95 = k * (1 - 2 / (9 * k) + 1.6448536269514722 * math.sqrt(2 / (9 * k))) ** 3
    return (chi2 / k if chi2 > q95 else 1.0), k


@dataclass(frozen=True)
class VariantCounts:
    key: str
    successes: int
    trials: int
    units: tuple[tuple[int, int], ...] = ()  # per pin (successes, trials), for the dispersion check
    strata: tuple[str, ...] = ()  # per pin, its stratum (round, board, product); empty: one stratum


@dataclass
class Verdict:
    """`collecting` until a look stops the test (`pinbot.stats_sequential`); then `winner` or `no_difference`."""

    status: str
    winner: str | None = None
    p_value: float | None = None  # nominal two-sided p of the leader's weakest comparison at the last look
    alpha: float = ALPHA
    dispersion: float = 1.0  # impressions shown per impression of information (the design effect)
    rates: dict[str, Rate] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # key -> leader vs key
    leader: str | None = None
    progress: float = 0.0  # information so far / information planned
    strata: int = 1  # strata the comparison was made over
    test_design_effect: float = 1.0  # the same, from the spread the pins really showed
    effective_trials: int = 0  # per variant: impressions a plain comparison would need for this precision
    z: float = 0.0  # the leader's weakest comparison, on the normal scale
    bound: float | None = None  # the |z| it had to pass at the last look
    looks: list[float] = field(default_factory=list)  # information fractions of the looks taken
    lift_low: float | None = None  # 95% interval of the leader's lift over the weakest other design
    lift_high: float | None = None
    detectable_lift: float | None = None  # a no-difference verdict: the lift it would have seen 90% of the time
    power_at_plan: float | None = None  # ... and the chance it had to see the planned lift
    carried_by_one: bool = False  # one stratum (one pair of pins) holds most of the weight
    final_look: bool = False  # the last look was the final one (it spent all the alpha left)

    @property
    def final(self) -> bool:
        return self.status != "collecting"


def t_two_sided_p(t: float, df: int) -> float:
    """Two-sided p-value of Student's t with integer `df` (exact series, A&S 26.7.3-4)."""
    if df <= 0:
        return 1.0
    theta = math.atan(abs(t) / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 1:
        term, total = math.cos(theta), 0.0
        if df > 1:
            total = term
            for j in range(3, df - 1, 2):
                term *= c2 * (j - 1) / j
                total += term
        inside = 2 / math.pi * (theta + s * total)
    else:
        term, total = 1.0, 1.0
        for j in range(2, df - 1, 2):
            term *= c2 * (j - 1) / j
            total += term
        inside = s * total
    return min(1.0, max(0.0, 1 - inside))


def _by_stratum(v: VariantCounts) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for (x, n), key in zip(v.units, v.strata, strict=True):
        a, b = out.get(key, (0, 0))
        out[key] = (a + x, b + n)
    return out


def _score_step(a: tuple[int, int], b: tuple[int, int]) -> float:
    """One stratum's log rate ratio of b over a, one scoring step from "no difference".

    Given the stratum's clicks m, b's share is binomial with mean m * n_b / (n_a + n_b) when the
    designs do not differ; the step is linear in b's clicks, so a pin with few clicks cannot swing
    it the way a log of small counts would.
    """
    m, share = a[0] + b[0], b[1] / (a[1] + b[1])
    return (b[0] - m * share) / (m * share * (1 - share))


@dataclass(frozen=True)
class Paired:
    """b against a within strata: log rate ratio, its robust standard error and what it rests on."""

    estimate: float  # log rate ratio b over a (0 when there is nothing to compare)
    se: float  # from how much the strata really disagree (sandwich), inf when it cannot be told
    z: float  # estimate / se read against t(strata - 1), as the normal deviate with the same tail
    p_value: float
    information: float  # 1 / the variance the weights promise (clicks and reach only): sum of weights on even boards
    strata: int
    top_share: float  # the largest stratum's share of the weight
    rate_a: float
    rate_b: float
    impressions: int  # fewer of the two arms' impressions in the compared strata

    @property
    def lift(self) -> float:
        return math.exp(self.estimate) - 1

    def interval(self, z: float = Z95) -> tuple[float, float]:
        if not math.isfinite(self.se):
            return (-1.0, math.inf)
        return (math.exp(self.estimate - z * self.se) - 1, math.exp(self.estimate + z * self.se) - 1)


def paired_test(a: VariantCounts, b: VariantCounts, pin_spread: float = PIN_SPREAD) -> Paired:
    """b against a within strata (a stratum: one round, board and product, one pin per design).

    Each stratum gives a log rate ratio (`_score_step`), weighted by 1 / (binomial variance +
    2 * pin_spread**2): a pin's click rate differs from its twin's by about `pin_spread`, so a pin
    with a huge reach cannot take more weight than that allows. The error comes from how much the
    strata actually disagree, so spread the plan did not foresee widens the test.
    """
    sa, sb = _by_stratum(a), _by_stratum(b)
    keys = [k for k in sa if k in sb and sa[k][1] > 0 and sb[k][1] > 0 and sa[k][0] + sb[k][0] > 0]
    cells = [(sa[k], sb[k]) for k in keys]
    k = len(cells)
    n_a, n_b = sum(ca[1] for ca, _ in cells), sum(cb[1] for _, cb in cells)
    x_a, x_b = sum(ca[0] for ca, _ in cells), sum(cb[0] for _, cb in cells)
    rate_a, rate_b = (x_a / n_a if n_a else 0.0), (x_b / n_b if n_b else 0.0)
    d = [_score_step(ca, cb) for ca, cb in cells]
    w = [1 / ((ca[1] + cb[1]) ** 2 / ((ca[0] + cb[0]) * ca[1] * cb[1]) + 2 * pin_spread**2) for ca, cb in cells]
    sw = sum(w)
    if k < 3 or sw <= 0:
        return Paired(0.0, math.inf, 0.0, 1.0, sw, k, 1.0, rate_a, rate_b, min(n_a, n_b))
    # "This design on my boards": boards count equally (docs/statistics.md), so a design that suits
    # one board more adds no bias and no error. One round on one board shares its days' weather:
    # a cluster (a board of one round: its strata), its residual inflated by its leverage (CR2-like).
    boards: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for key, wi, di in zip(keys, w, d, strict=True):
        parts = key.split(":")
        board = boards.setdefault(parts[1] if len(parts) == 3 else "", {})
        board.setdefault(key.rsplit(":", 1)[0], []).append((wi, di))
    est = var_model = resid = binomial = share2 = 0.0
    for board in boards.values():
        units = list(board.values()) if len(board) > 1 else [[u] for u in next(iter(board.values()))]
        wb = sum(wi for unit in units for wi, _ in unit)
        eb = sum(wi * di for unit in units for wi, di in unit) / wb
        scale = len(boards) * wb  # the board's estimate counts 1 / boards
        est += eb / len(boards)
        var_model += wb / scale**2
        for unit in units:
            cw, r = sum(wi for wi, _ in unit), sum(wi * (di - eb) for wi, di in unit)
            resid += r * r / max(1 - cw / wb, 0.05) / scale**2
            share2 += (cw / scale) ** 2
            binomial += sum(wi * wi * (1 / wi - 2 * pin_spread**2) for wi, _ in unit) / scale**2
    var = max(resid, binomial)  # never below the binomial noise: a few strata can agree by chance
    se = math.sqrt(var) if var > 0 else math.inf
    t = est / se if math.isfinite(se) else 0.0
    df = max(1, round(1 / share2) - len(boards))  # uneven units count fewer; a board's mean costs one
    p = t_two_sided_p(t, df)
    z = math.copysign(_N.inv_cdf(1 - max(p, 1e-300) / 2), t) if p < 1 else 0.0
    return Paired(est, se, z, p, 1 / var_model, k, max(w) / sw, rate_a, rate_b, min(n_a, n_b))


@dataclass(frozen=True)
class GroupComparison:
    """A group of pins against the rest of the shop, pin by pin: the review's Stop/Continue basis."""

    ratio: float  # the group's rate over the rest's
    low: float  # 95% interval of the ratio, from how much the pins really differ
    high: float
    pins: int
    carried_by_one: bool  # one pin holds most of the group's impressions, or the result hangs on it

    @property
    def settled(self) -> bool:
        return self.low > 1 or self.high < 1


def _log_ratio(group: Sequence[tuple[int, int]], rest: Sequence[tuple[int, int]]) -> tuple[float, float, int]:
    """Log of the group's rate over the rest's and its variance with pins as the units (a ratio
    estimator's sandwich variance per side), and the degrees of freedom."""
    out = []
    for side in (group, rest):
        x, n = sum(u[0] for u in side), sum(u[1] for u in side)
        if n <= 0 or x <= 0 or len(side) < 2:
            return 0.0, math.inf, 0
        r = x / n
        # Never below the binomial variance: a handful of pins can look more alike than chance allows.
        spread = sum((xi - r * ni) ** 2 for xi, ni in side) * len(side) / (len(side) - 1)
        out.append((math.log(r), max(spread, x * (1 - r)) / x**2, len(side)))
    (lg, vg, kg), (lr, vr, kr) = out
    return lg - lr, vg + vr, min(kg, kr) - 1


def compare_pins(group: Sequence[tuple[int, int]], rest: Sequence[tuple[int, int]]) -> GroupComparison:
    """The group's click rate against the rest's with per-pin (clicks, impressions) as the units.

    Impressions of one pin are not independent (the pin's own appeal, its audience), so the
    interval is as wide as the pins' disagreement says, read against t(pins - 1). A result that
    one pin carries (over half the group's impressions, or one that flips when that pin is left
    out) says so.
    """
    est, var, df = _log_ratio(group, rest)
    pins = len(group)
    if df < 1 or not math.isfinite(var):
        return GroupComparison(math.exp(est), 0.0, math.inf, pins, False)
    q = _t_quantile(df)
    low, high = math.exp(est - q * math.sqrt(var)), math.exp(est + q * math.sqrt(var))
    total = sum(n for _, n in group)
    biggest = max(range(pins), key=lambda i: group[i][1])
    carried = total > 0 and group[biggest][1] > total / 2
    if not carried and (low > 1 or high < 1) and pins > 2:
        e2, v2, df2 = _log_ratio([u for i, u in enumerate(group) if i != biggest], rest)
        half = _t_quantile(df2) * math.sqrt(v2) if df2 >= 1 and math.isfinite(v2) else math.inf
        carried = not (e2 - half > 0 or e2 + half < 0)
    return GroupComparison(math.exp(est), low, high, pins, carried)


def _t_quantile(df: int, p: float = 0.05) -> float:
    """Two-sided `p` quantile of Student's t with `df` degrees of freedom (bisection on the exact p)."""
    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if t_two_sided_p(mid, df) > p:
            lo = mid
        else:
            hi = mid
    return hi
