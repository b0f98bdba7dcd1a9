"""The statistics behind every rate pinbot shows and every verdict it gives: pure Python, no numpy.

Owns: Wilson score intervals for a rate, the two-proportion z-test (with a quasi-binomial
correction when pins vary more than chance allows), the posterior probability that one rate beats
another, planning a fixed sample size from baseline rate, minimum detectable lift and power (and the
power a given sample had, for an honest "no difference"), and the
experiment verdict that is only given once that planned sample is reached (one look, no peeking).

Defaults are chosen so that the promises in the docs hold with headroom, not just on average:
a winner is declared with two-sided alpha = 2% (Bonferroni-split over the comparisons when there
are more than two variants), and the plan targets 97.5% power at the minimum lift, so that
"finds a 30% lift at least 95% of the time, declares a false winner at most 5% of the time" is true
when checked over a few hundred simulated experiments (tests/test_stats.py, and under realistic
conditions tests/test_stats_realistic.py).

How an experiment is compared, in plain words. An experiment puts one pin of every design on each
board, for each product, in each round; such a (round, board, product) cell is a *stratum*. Pins of
one stratum share everything but the design, while strata differ a lot (a round's palette, a board's
audience, a product) and a few pins take most impressions. Pooling all impressions would let
whichever design's big pin landed in a better-clicking stratum take the credit. So:

1. In each stratum the two designs are compared on their own: the log of the ratio of their click
   rates, taken as one scoring step from "no difference" (given the stratum's clicks, how many more
   went to one design than its share of the impressions predicts), so few clicks cannot swing it.
   Its variance is the one it has under "no difference" (from the stratum's clicks and how its
   impressions split), so a stratum's weight never depends on which design led in it.
2. The strata are averaged with inverse-variance weights; a between-pin variance (DerSimonian-Laird)
   is added to every stratum's variance, so that one pin with a huge reach cannot dominate when pins
   differ more than chance allows.
3. The uncertainty of that average is estimated from how much the strata actually disagree
   (Hartung-Knapp, never narrower than the model's own), read against Student's t with
   (strata - 1) degrees of freedom: the pins are the clusters, and their real spread sets the error.
4. The plan is fixed at creation as impressions per design for a plain binomial test. The verdict
   waits until the *effective* impressions reach it: how many impressions per design two equal
   arms compared plainly would need to be as precise as the comparison within strata (for even
   reach that is the impressions shown; for uneven reach it is fewer: the design effect). They are
   computed from impressions and click counts only, never from which design leads, and the target
   never moves, so the single look stays a single look (information-based monitoring).

Pins that differ beyond chance (in click rate, not just reach) widen the test (step 3) but are left
out of the plan's design effect on purpose: that spread is estimated from few pins and swings from
day to day, and a trigger that fired on a day it happened to look small would pick the days the
test is overconfident (in simulation that about doubled the false winners). The cost is power: with a lot
of pin-to-pin spread the planned sample finds a true lift less often than planned, and the
"no difference" lesson says so (it uses the test's own design effect).

Without stratum labels (all pins in one stratum) the comparison is the pooled quasi-binomial test:
the plan counts impressions as they are and the dispersion widens the test.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

ALPHA = 0.02  # two-sided false-winner rate per experiment (split across comparisons)
POWER = 0.975  # chance of finding a true lift of the planned size
MIN_LIFT = 0.30  # relative lift the default plan is sized to detect
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
    """`collecting` until every variant has the planned effective trials; then `winner` or `no_difference`."""

    status: str
    winner: str | None = None
    p_value: float | None = None
    alpha: float = ALPHA
    dispersion: float = 1.0  # the plan's design effect: impressions that count as one binomial impression
    rates: dict[str, Rate] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # key -> leader vs key
    leader: str | None = None
    progress: float = 0.0  # smallest share of the planned sample reached by any variant (effective)
    strata: int = 1  # strata the comparison was made over
    # The design effect the test's variance had (also counting pins that differ beyond chance):
    # what an honest "could a real lift have been missed" must divide the impressions by.
    test_design_effect: float = 1.0
    effective_trials: int = 0  # per variant, what the plan is measured against

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


def stratified_test(a: VariantCounts, b: VariantCounts) -> tuple[Comparison, float, float, int]:
    """b against a within strata: (comparison, effective impressions per arm, test's design effect, strata).

    Effective impressions count what stratifying and uneven reach cost (from click counts and
    impressions only, so they grow smoothly); the test's design effect also counts how much pins
    differ beyond chance.

    Inverse-variance weighted log rate ratio over the strata both arms have impressions in, with a
    DerSimonian-Laird between-pin variance and a Hartung-Knapp variance read against t(k - 1).
    """
    sa, sb = _by_stratum(a), _by_stratum(b)
    cells = [(sa[k], sb[k]) for k in sa if k in sb and sa[k][1] > 0 and sb[k][1] > 0]
    cells = [(ca, cb) for ca, cb in cells if ca[0] + cb[0] > 0]  # no clicks on either: no information
    k = len(cells)
    n_a, n_b = sum(ca[1] for ca, _ in cells), sum(cb[1] for _, cb in cells)
    x_a, x_b = sum(ca[0] for ca, _ in cells), sum(cb[0] for _, cb in cells)
    if k < 2:
        return Comparison(0.0, None, 0.0, 1.0, 0.5), 0.0, 1.0, k
    d = [_score_step(ca, cb) for ca, cb in cells]
    # The variance each stratum would have with no difference: from its clicks and how its
    # impressions split, not from how its clicks split, so a weight never tells which arm led.
    v = [(ca[1] + cb[1]) ** 2 / ((ca[0] + cb[0]) * ca[1] * cb[1]) for ca, cb in cells]
    w = [1 / vi for vi in v]
    sw = sum(w)
    fixed = sum(wi * di for wi, di in zip(w, d, strict=True)) / sw
    within = 1 / sw
    q = sum(wi * (di - fixed) ** 2 for wi, di in zip(w, d, strict=True))
    tau2 = max(0.0, (q - (k - 1)) / (sw - sum(wi * wi for wi in w) / sw))
    w = [1 / (vi + tau2) for vi in v]
    sw = sum(w)
    est = sum(wi * di for wi, di in zip(w, d, strict=True)) / sw
    hk = sum(wi * (di - est) ** 2 for wi, di in zip(w, d, strict=True)) / (k - 1)
    var = max(1.0, hk) / sw
    t = est / math.sqrt(var)
    p_value = t_two_sided_p(t, k - 1)
    rate_a, rate_b = x_a / n_a, x_b / n_b
    pooled = (x_a + x_b) / (n_a + n_b)
    # What a plain binomial test of the log rate ratio would have had with these impressions.
    # (Poisson, like the strata's own variances, so that even reach and no extra spread give 1.)
    plain = (1 / n_a + 1 / n_b) / pooled if pooled > 0 else var
    comparison = Comparison(rate_b - rate_a, math.exp(est) - 1, t, p_value, _N.cdf(t))
    # Impressions per arm a plain comparison of two equal arms would need for the within-strata variance.
    effective = 2 / (pooled * within) * (1 + 1e-12) if pooled > 0 else 0.0  # (1 + rounding slack)
    return comparison, effective, max(1.0, var / plain), k


def _stratified(variants: Sequence[VariantCounts]) -> bool:
    return all(len(v.strata) == len(v.units) and v.units for v in variants) and any(
        len(set(v.strata)) > 1 for v in variants
    )


def verdict(variants: Sequence[VariantCounts], planned: int, alpha: float = ALPHA) -> Verdict:
    """The experiment's verdict: compare the leading variant with each other one, only when all reached `planned`.

    With k variants the leader must beat every other one at alpha/(k-1) (Bonferroni), so the
    chance of any false winner stays <= alpha whatever k is. With stratum labels the comparison is
    the stratified one (module docstring) and "reached" means effective impressions.
    """
    if len(variants) < 2:
        raise ValueError("an experiment needs at least two variants")
    rates = {v.key: wilson(v.successes, v.trials) for v in variants}
    strata = 1
    if _stratified(variants):
        first = variants[0]
        lift = {first.key: 0.0} | {v.key: stratified_test(first, v)[0].lift or 0.0 for v in variants[1:]}
        leader = max(variants, key=lambda v: (lift[v.key], -variants.index(v)))
        tests = {v.key: stratified_test(v, leader) for v in variants if v.key != leader.key}
        comparisons = {key: t[0] for key, t in tests.items()}
        effective = min(t[1] for t in tests.values())
        spread = max(t[2] for t in tests.values())
        strata = min(t[3] for t in tests.values())
        positive = all(c.z > 0 for c in comparisons.values())
    else:
        leader = max(variants, key=lambda v: (rates[v.key].value, -variants.index(v)))
        spread, df = dispersion([v.units for v in variants])
        effective = float(min(v.trials for v in variants))  # one stratum: the spread widens the test only
        comparisons = {
            v.key: two_proportion_test(v.successes, v.trials, leader.successes, leader.trials, spread, df)
            for v in variants
            if v.key != leader.key
        }
        positive = all(c.diff > 0 for c in comparisons.values())
    progress = effective / planned if planned > 0 else 1.0
    phi = max(1.0, min(v.trials for v in variants) / effective) if effective > 0 else 1.0
    result = Verdict(
        status="collecting",
        alpha=alpha,
        dispersion=phi,
        rates=rates,
        comparisons=comparisons,
        leader=leader.key,
        progress=min(progress, 1.0),
        p_value=max(c.p_value for c in comparisons.values()),
        strata=strata,
        test_design_effect=spread,
        effective_trials=math.floor(effective),
    )
    if progress < 1.0:
        return result
    per_test = alpha / (len(variants) - 1)
    if positive and all(c.p_value < per_test for c in comparisons.values()):
        result.status = "winner"
        result.winner = leader.key
    else:
        result.status = "no_difference"
    return result
