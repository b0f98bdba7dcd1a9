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
when checked over a few hundred simulated experiments (tests/test_stats.py).
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


@dataclass
class Verdict:
    """`collecting` until every variant has the planned trials; then `winner` or `no_difference`."""

    status: str
    winner: str | None = None
    p_value: float | None = None
    alpha: float = ALPHA
    dispersion: float = 1.0
    rates: dict[str, Rate] = field(default_factory=dict)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # key -> leader vs key
    leader: str | None = None
    progress: float = 0.0  # smallest share of the planned sample reached by any variant

    @property
    def final(self) -> bool:
        return self.status != "collecting"


def verdict(variants: Sequence[VariantCounts], planned: int, alpha: float = ALPHA) -> Verdict:
    """The experiment's verdict: compare the leading variant with each other one, only when all reached `planned`.

    With k variants the leader must beat every other one at alpha/(k-1) (Bonferroni), so the
    chance of any false winner stays <= alpha whatever k is.
    """
    if len(variants) < 2:
        raise ValueError("an experiment needs at least two variants")
    rates = {v.key: wilson(v.successes, v.trials) for v in variants}
    progress = min(v.trials for v in variants) / planned if planned > 0 else 1.0
    leader = max(variants, key=lambda v: (rates[v.key].value, -variants.index(v)))
    phi, df = dispersion([v.units for v in variants])
    comparisons = {
        v.key: two_proportion_test(v.successes, v.trials, leader.successes, leader.trials, phi, df)
        for v in variants
        if v.key != leader.key
    }
    result = Verdict(
        status="collecting",
        alpha=alpha,
        dispersion=phi,
        rates=rates,
        comparisons=comparisons,
        leader=leader.key,
        progress=min(progress, 1.0),
        p_value=max(c.p_value for c in comparisons.values()),
    )
    if progress < 1.0:
        return result
    per_test = alpha / (len(variants) - 1)
    if all(c.p_value < per_test and c.diff > 0 for c in comparisons.values()):
        result.status = "winner"
        result.winner = leader.key
    else:
        result.status = "no_difference"
    return result
